#!/usr/bin/env bats
# mosquitto.bats - the interop scenarios on mosquitto, default flags (no -V).

load interop

setup_file() { suite_setup mosquitto; }
teardown_file() { suite_teardown; }
setup() { common_setup; }
teardown() { common_teardown; }

@test "mosquitto: QoS 0 stream of 1,000 lines arrives exact" {
	scn_stream 0
}

@test "mosquitto: QoS 1 stream of 1,000 lines arrives exact" {
	scn_stream 1
}

@test "mosquitto: QoS 2 stream of 1,000 lines arrives exact" {
	scn_stream 2
}

@test "mosquitto: binary payload passes byte for byte" {
	scn_binary
}

@test "mosquitto: retained message reaches a later subscriber" {
	scn_retained
}

@test "mosquitto: will published when a client dies" {
	scn_will
}

@test "mosquitto: persistent session resumes with what was queued" {
	scn_session
}

@test "mosquitto: + and # filters" {
	scn_wildcards
}

@test "mosquitto: QoS 2 is granted as QoS 2: no warning" {
	scn_qos2_granted 2
}

@test "mosquitto: speaks MQTT 5: no fall back" {
	scn_v5
}
