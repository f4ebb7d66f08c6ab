#!/usr/bin/env bats
# Wills, broker restarts, reconnects and giving up.

load helpers

setup() {
	common_setup
}

teardown() {
	common_teardown
}

# fifo_writer FIFO GOFILE FIRST LAST: background writer of seq 1..FIRST, then,
# once GOFILE exists (60 s at most), FIRST+1..LAST; then closes the fifo.  The
# writer alone holds the write end, so no other child keeps the pipe open.
fifo_writer() {
	local fifo=$1 go=$2 first=$3 last=$4
	(
		seq 1 "$first"
		i=0
		while [ ! -e "$go" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
		seq $((first + 1)) "$last"
	) > "$fifo" 2>/dev/null 3>&- &
	bg_track $!
}

@test "will: a client killed with SIGKILL has its will published" {
	broker_start
	SUB_CMD=mosquitto_sub sub_bg "$T/will" -t will/x -C 1
	local watcher=$SUB_PID
	sub_bg "$T/out" -i willer -t other/x --will-topic will/x --will-payload 'bye now'
	grep -qF 'Will message specified' "$BROKER_LOG" || fail "broker saw no will in mqsub's CONNECT"
	kill -KILL "$SUB_PID"
	wait_pid "$watcher" 10 || fail "no will message arrived"
	assert_file_eq "$T/will" "bye now
"
}

@test "will: --will-qos and --will-retain are honoured" {
	broker_start
	sub_bg "$T/out" -i willr -t other/x --will-topic will/r --will-payload gone --will-qos 1 --will-retain
	kill -KILL "$SUB_PID"
	wait_log 'willr (closed its connection|disconnected)|Socket error on client willr' 1 10
	run --separate-stderr rsub -t will/r -q 2 -C 1 -W 10 -F '%r|%q|%p'
	assert_success
	assert_output "1|1|gone"
}

@test "will: not published on SIGTERM (clean DISCONNECT)" {
	broker_start
	SUB_CMD=mosquitto_sub sub_bg "$T/will" -t will/t -q 1 -C 1
	local watcher=$SUB_PID
	sub_bg "$T/out" -i willt -t other/x --will-topic will/t --will-payload 'should not appear'
	kill -TERM "$SUB_PID"
	wait_pid "$SUB_PID" 10 || fail "mqsub ignored SIGTERM"
	assert_equal "$WAIT_STATUS" 0
	wait_log 'Received DISCONNECT from willt' 1 5
	rpub -t will/t -q 1 -m sentinel
	wait_pid "$watcher" 10 || fail "watcher got nothing"
	assert_file_eq "$T/will" "sentinel
"
}

@test "mqsub keeps receiving after the broker restarts (reconnects, resubscribes)" {
	broker_start
	sub_bg "$T/out" -i resub -t rs/x
	rpub -t rs/x -q 1 -m before
	wait_for_lines "$T/out" 1 10
	broker_restart
	wait_log 'Sending SUBACK to resub' 2 20
	rpub -t rs/x -q 1 -m after
	wait_for_lines "$T/out" 2 10
	assert_file_eq "$T/out" "before
after
"
	alive "$SUB_PID" || fail "mqsub exited"
}

# stream_across_restart [CONFIG LINE...]: 20,000 QoS 1 lines, the broker
# restarted in the middle; every line arrives, mqpub exits 0.
stream_across_restart() {
	local pub_pid mid=no
	# Persistence keeps the subscriber's session and queue across the restart;
	# an unlimited queue keeps the broker from dropping on its own.
	broker_start "persistence true" "max_queued_messages 0" "$@"
	sub_bg "$T/out" -c -i stream-sub -q 1 -t st/x
	mkfifo "$T/fifo"
	"$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -i stream-pub -q 1 -t st/x -l < "$T/fifo" \
		> "$T/pub.out" 2> "$T/pub.err" 3>&- &
	pub_pid=$!
	bg_track "$pub_pid"
	fifo_writer "$T/fifo" "$T/go" 10000 20000
	wait_for_lines "$T/out" 2000 30 || fail "before the restart: mqsub printed $(wc -l < "$T/out") lines;
 mqpub $(alive "$pub_pid" && echo running || echo exited); broker got $(grep -c 'Received PUBLISH from stream-pub' "$BROKER_LOG") PUBLISH, sent $(grep -c 'Sending PUBLISH to stream-sub' "$BROKER_LOG");
 mqpub stderr: $(head -c 500 "$T/pub.err"); mqsub stderr: $(head -c 500 "$T/out.err")"
	if (( $(wc -l < "$T/out") < 10000 )); then mid=yes; fi
	broker_restart
	touch "$T/go"
	wait_pid "$pub_pid" 90 || fail "mqpub did not finish within 90 s"
	[ "$WAIT_STATUS" -eq 0 ] || fail "mqpub exit $WAIT_STATUS: $(cat "$T/pub.err")"
	wait_unique "$T/out" 20000 60 || fail "lost messages: $(sort -n -u "$T/out" | diff - <(seq 20000) | grep -c '^>') missing (restart mid-first-half: $mid)"
	sort -n -u "$T/out" | cmp -s - <(seq 20000) || fail "received set is not 1..20000"
	alive "$SUB_PID" || fail "mqsub exited: $(cat "$T/out.err")"
	echo "# restart happened while the first half was in flight: $mid" >&3
}

@test "QoS 1 stream of 20,000 lines survives a broker restart: nothing lost, mqpub exits 0" {
	stream_across_restart
}

@test "the same with the broker's Receive Maximum at 65535 (mqpub's window follows it, up to 4096)" {
	stream_across_restart "max_inflight_messages 0"
}

@test "mqpub --no-reconnect: broker stopped mid-stream -> exit 1 or 6 with a message" {
	local pub_pid
	broker_start
	mkfifo "$T/fifo"
	"$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -i nr-pub --no-reconnect -q 1 -t nr/x -l < "$T/fifo" \
		> "$T/pub.out" 2> "$T/pub.err" 3>&- &
	pub_pid=$!
	bg_track "$pub_pid"
	fifo_writer "$T/fifo" "$T/go" 100 200
	wait_log 'Received PUBLISH from nr-pub' 100 20
	broker_stop
	touch "$T/go"
	wait_pid "$pub_pid" 15 || fail "mqpub --no-reconnect still running 15 s after the broker stopped"
	[[ $WAIT_STATUS == 1 || $WAIT_STATUS == 6 ]] || fail "exit $WAIT_STATUS, want 1 or 6; stderr: $(cat "$T/pub.err")"
	[ -s "$T/pub.err" ] || fail "no message on stderr"
	grep -q '^mqpub: ' "$T/pub.err" || fail "message not in 'mqpub: ...' form: $(cat "$T/pub.err")"
}

@test "mqpub gives up after --reconnect-tries: exit 1 or 6 with a message" {
	local pub_pid
	broker_start
	mkfifo "$T/fifo"
	"$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -i gu-pub -q 1 -t gu/x -l \
		--reconnect-tries 3 --reconnect-min 50 --reconnect-max 100 < "$T/fifo" \
		> "$T/pub.out" 2> "$T/pub.err" 3>&- &
	pub_pid=$!
	bg_track "$pub_pid"
	fifo_writer "$T/fifo" "$T/go" 50 100
	wait_log 'Received PUBLISH from gu-pub' 50 20
	broker_stop
	touch "$T/go"
	wait_pid "$pub_pid" 20 || fail "mqpub still running 20 s after the broker went away for good"
	[[ $WAIT_STATUS == 1 || $WAIT_STATUS == 6 ]] || fail "exit $WAIT_STATUS, want 1 or 6; stderr: $(cat "$T/pub.err")"
	grep -q '^mqpub: ' "$T/pub.err" || fail "no 'mqpub: ...' message: $(cat "$T/pub.err")"
}

@test "mqsub --no-reconnect: broker stopped -> exit 1 with a message" {
	broker_start
	sub_bg "$T/out" --no-reconnect -t nr/x
	broker_stop
	wait_pid "$SUB_PID" 10 || fail "mqsub --no-reconnect still running"
	assert_equal "$WAIT_STATUS" 1
	grep -q '^mqsub: ' "$T/out.err" || fail "no 'mqsub: ...' message: $(cat "$T/out.err")"
}

@test "mqsub gives up after --reconnect-tries: exit 1" {
	broker_start
	sub_bg "$T/out" --reconnect-tries 2 --reconnect-min 50 --reconnect-max 100 -t gu/x
	broker_stop
	wait_pid "$SUB_PID" 10 || fail "mqsub still running after 2 failed reconnects"
	assert_equal "$WAIT_STATUS" 1
	grep -q '^mqsub: ' "$T/out.err" || fail "no 'mqsub: ...' message: $(cat "$T/out.err")"
}

@test "mqsub with default reconnect keeps trying while the broker is down" {
	broker_start
	sub_bg "$T/out" -i patient --reconnect-max 200 -t pa/x
	broker_stop
	# Down for a while: at least three reconnect attempts fit in here.
	sleep 1
	alive "$SUB_PID" || fail "mqsub gave up (default --reconnect-tries for mqsub is 0 = forever)"
	broker_restart
	wait_log 'Sending SUBACK to patient' 2 20
	rpub -t pa/x -q 1 -m back
	wait_for_lines "$T/out" 1 10
	assert_file_eq "$T/out" "back
"
}
