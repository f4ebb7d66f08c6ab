#!/usr/bin/env bats
# Bulk round trips: 10,000 lines through `mqpub -l` into one mqsub, at each
# QoS, counted exactly.  The broker is told not to drop messages of its own
# accord (max_queued_messages 0 = unlimited queue), so any loss is the tools'.

load helpers

N=10000

setup() {
	common_setup
	broker_start "max_queued_messages 0"
}

teardown() {
	common_teardown
}

# roundtrip QOS VERSION: N lines, exactly N messages out, each line once.
roundtrip() {
	local q=$1 v=$2 got
	seq "$N" > "$T/in"
	sub_bg "$T/out" -V "$v" -q "$q" -t "rt/q$q" -C "$N" -W 60
	# mosquitto's own clients move 10,000 lines on loopback in about a second;
	# 20 s is ample and catches a publisher that stalls on a timer.
	run --separate-stderr timeout 20 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" \
		-V "$v" -q "$q" -t "rt/q$q" -l < "$T/in"
	if [ "$status" -ne 0 ]; then
		fail "mqpub exit $status$( [ "$status" -eq 124 ] && echo ' (killed after 20 s)'); subscriber has $(wc -l < "$T/out") of $N lines; mqpub stderr (uniq -c):
$(uniq -c <<<"$stderr" | head -5)"
	fi
	assert_stderr_empty
	if ! wait_pid "$SUB_PID" 60; then
		fail "mqsub still waiting after 60 s with $(wc -l < "$T/out") of $N lines"
	fi
	[ "$WAIT_STATUS" -eq 0 ] ||
		fail "mqsub exit $WAIT_STATUS with $(wc -l < "$T/out") of $N lines; stderr: $(cat "$T/out.err")"
	got=$(wc -l < "$T/out")
	assert_equal "$got" "$N"
	sort -n -u "$T/out" | cmp -s - "$T/in" ||
		fail "received lines are not exactly 1..$N: $(sort -n -u "$T/out" | diff - "$T/in" | head -5)"
}

@test "QoS 0: 10,000 lines, MQTT 5, none lost" {
	roundtrip 0 5
}

@test "QoS 1: 10,000 lines, MQTT 5, exactly 10,000 received" {
	roundtrip 1 5
}

@test "QoS 1: 10,000 lines, MQTT 3.1.1, exactly 10,000 received" {
	roundtrip 1 311
}

@test "QoS 2: 10,000 lines, MQTT 5, exactly 10,000 received" {
	roundtrip 2 5
}

@test "QoS 2: 10,000 lines, MQTT 3.1.1, exactly 10,000 received" {
	roundtrip 2 311
}

@test "QoS 1: lines arrive in the order sent" {
	seq 2000 > "$T/in"
	sub_bg "$T/out" -q 1 -t rt/order -C 2000
	run --separate-stderr timeout 60 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -q 1 -t rt/order -l < "$T/in"
	assert_success
	wait_pid "$SUB_PID" 30 || fail "mqsub got $(wc -l < "$T/out") of 2000"
	cmp "$T/out" "$T/in" || fail "order differs"
}

# sent_before_first ACK: how many PUBLISH mqpub's -d trace shows before
# the first ACK packet it received (PUBACK, PUBREC).
sent_before_first() {
	awk -v ack="< $1 " 'index($0, ack) { exit } /> PUBLISH /{ n++ } END { print n + 0 }' "$T/trace"
}

# window_run Q INFLIGHT: mosquitto with max_inflight_messages INFLIGHT (its
# Receive Maximum; 0: none), 1,000 lines from mqpub -q Q without -M, -d
# trace in $T/trace.
window_run() {
	broker_start "max_queued_messages 0" "max_inflight_messages $2"
	seq 1000 > "$T/in"
	run --separate-stderr timeout 60 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -q "$1" \
		-t rt/window -l -d < "$T/in"
	assert_success
	printf '%s\n' "$stderr" > "$T/trace"
}

@test "QoS 1 without -M: as many in flight as the broker's Receive Maximum" {
	window_run 1 300
	n=$(sent_before_first PUBACK)
	# 300 when the whole window goes out before the first PUBACK is read
	(( n > 100 && n <= 300 )) || fail "$n PUBLISH before the first PUBACK (window: 300)"
}

@test "QoS 2 without -M: 100 in flight, whatever the Receive Maximum" {
	window_run 2 0
	n=$(sent_before_first PUBREC)
	(( n > 20 && n <= 100 )) || fail "$n PUBLISH before the first PUBREC (window: 100)"
}
