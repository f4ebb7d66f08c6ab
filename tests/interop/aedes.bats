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

