#!/usr/bin/env bats
# aedes.bats - the interop scenarios on aedes, default flags (no -V).

load interop

setup_file() { suite_setup aedes; }
teardown_file() { suite_teardown; }
setup() { common_setup; }
teardown() { common_teardown; }

@test "aedes: QoS 0 stream of 1,000 lines arrives exact" {
	scn_stream 0
}

@test "aedes: QoS 1 stream of 1,000 lines arrives exact" {
	scn_stream 1
}

@test "aedes: QoS 2 stream of 1,000 lines arrives exact" {
	scn_stream 2
}

@test "aedes: binary payload passes byte for byte" {
	scn_binary
}

@test "aedes: retained message reaches a later subscriber" {
	scn_retained
}

@test "aedes: will published when a client dies" {
	scn_will
}

@test "aedes: persistent session resumes with what was queued" {
	scn_session
}

@test "aedes: + and # filters" {
	scn_wildcards
}

@test "aedes: speaks only MQTT 3.1.1: fall back without -V; -V 5 and -x say why" {
	scn_v311_only
}

@test "aedes: QoS 2 is granted as QoS 2: no warning" {
	scn_qos2_granted 2
}
