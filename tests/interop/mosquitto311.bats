#!/usr/bin/env bats
# mosquitto311.bats - the interop scenarios on mosquitto with -V 311.
export MQV="-V 311"

load interop

setup_file() { suite_setup mosquitto; }
teardown_file() { suite_teardown; }
setup() { common_setup; }
teardown() { common_teardown; }

@test "mosquitto311: QoS 0 stream of 1,000 lines arrives exact" {
	scn_stream 0
}

@test "mosquitto311: QoS 1 stream of 1,000 lines arrives exact" {
	scn_stream 1
}

@test "mosquitto311: QoS 2 stream of 1,000 lines arrives exact" {
	scn_stream 2
}

@test "mosquitto311: binary payload passes byte for byte" {
	scn_binary
}

@test "mosquitto311: retained message reaches a later subscriber" {
	scn_retained
}

@test "mosquitto311: will published when a client dies" {
	scn_will
}

@test "mosquitto311: persistent session resumes with what was queued" {
	scn_session
}

@test "mosquitto311: + and # filters" {
	scn_wildcards
}

@test "mosquitto311: QoS 2 is granted as QoS 2: no warning" {
	scn_qos2_granted 2
}
