#!/usr/bin/env bats
# rabbitmq.bats - the interop scenarios on rabbitmq, default flags (no -V).

load interop

setup_file() { suite_setup rabbitmq; }
teardown_file() { suite_teardown; }
setup() { common_setup; }
teardown() { common_teardown; }

@test "rabbitmq: QoS 0 stream of 1,000 lines arrives exact" {
	scn_stream 0
}

@test "rabbitmq: QoS 1 stream of 1,000 lines arrives exact" {
	scn_stream 1
}

@test "rabbitmq: QoS 2 stream of 1,000 lines arrives exact" {
	scn_stream 2
}

@test "rabbitmq: binary payload passes byte for byte" {
	scn_binary
}

@test "rabbitmq: retained message reaches a later subscriber" {
	scn_retained
}

@test "rabbitmq: will published when a client dies" {
	scn_will
}

@test "rabbitmq: persistent session resumes with what was queued" {
	scn_session
}

@test "rabbitmq: + and # filters" {
	scn_wildcards
}

@test "rabbitmq: speaks only MQTT 3.1.1: fall back without -V; -V 5 and -x say why" {
	scn_v311_only
}

@test "rabbitmq: QoS 2 is granted as QoS 1: one warning, nothing lost; --strict refuses" {
	scn_qos2_granted 1
}
