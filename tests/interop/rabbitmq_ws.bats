#!/usr/bin/env bats
# rabbitmq_ws.bats - MQTT over WebSocket against RabbitMQ's rabbitmq_web_mqtt
# (Debian's rabbitmq-server 3.10, MQTT 3.1.1 only, hence -V 311), on the
# same private node as its TCP listener.  ws.bats covers aedes.

load interop

setup_file() { suite_setup rabbitmq-ws; }
teardown_file() { suite_teardown; }
setup() { common_setup; }
teardown() { common_teardown; }

ws_url() {
	echo "ws://127.0.0.1:$IB_WSPORT/ws"
}

@test "rabbitmq ws://: upgrade (the 101 must name the mqtt subprotocol), CONNACK, PUBACK" {
	run --separate-stderr "$MQPUB" -V 311 -d -L "$(ws_url)" -q 1 -t "$(topic hs)" -m hi
	[ "$status" -eq 0 ] || fail "mqpub exited $status: $stderr"
	[[ $stderr == *"< CONNACK"* && $stderr == *"< PUBACK id 1"* ]] || fail "stderr: $stderr"
}

@test "rabbitmq ws://: QoS 1 stream of 10,000 lines, lossless and in order" {
	local t
	t=$(topic wsstream)
	seq -f 'line %g over WebSocket' 10000 > "$T/want"
	sub_start "$T/sub" -V 311 -L "$(ws_url)" -q 1 -t "$t" -C 10000 -W 120
	run --separate-stderr "$MQPUB" -V 311 -L "$(ws_url)" -q 1 -t "$t" -l -W 120 < "$T/want"
	[ "$status" -eq 0 ] || fail "mqpub exited $status: $stderr"
	sub_wait 120
	cmp "$T/want" "$T/sub" || fail "stream differs ($(wc -l < "$T/sub") lines)"
}

@test "rabbitmq ws://: a 1 MB binary payload byte-exact (sha256)" {
	local t
	t=$(topic wsbin)
	head -c 1048576 /dev/urandom > "$T/blob"
	sub_start "$T/sub" -V 311 -L "$(ws_url)" -q 1 -t "$t" -C 1 -N -W 60
	run --separate-stderr "$MQPUB" -V 311 -L "$(ws_url)" -q 1 -t "$t" -f "$T/blob"
	[ "$status" -eq 0 ] || fail "mqpub exited $status: $stderr"
	sub_wait 60
	[ "$(sha256sum < "$T/blob")" = "$(sha256sum < "$T/sub")" ] ||
		fail "payload differs: $(wc -c < "$T/sub") bytes arrived"
}

@test "rabbitmq ws:// to TCP: a QoS 1 stream published over WebSocket reaches a TCP subscriber" {
	local t
	t=$(topic wstcp)
	seq -f 'line %g across' 10000 > "$T/want"
	sub_start "$T/sub" -V 311 -q 1 -t "$t" -C 10000 -W 120
	run --separate-stderr "$MQPUB" -V 311 -L "$(ws_url)" -q 1 -t "$t" -l -W 120 < "$T/want"
	[ "$status" -eq 0 ] || fail "mqpub exited $status: $stderr"
	sub_wait 120
	cmp "$T/want" "$T/sub" || fail "stream differs ($(wc -l < "$T/sub") lines)"
}
