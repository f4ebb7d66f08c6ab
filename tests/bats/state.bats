#!/usr/bin/env bats
# --state-dir: a publisher killed with SIGKILL and started again with the
# same client id and state directory resumes its in-flight messages.

load helpers

setup() {
	common_setup
	STATE="$T/state-dir"
	broker_start "persistence true" "max_queued_messages 0"
}

teardown() {
	kill -CONT "$BROKER_PID" 2>/dev/null || true
	common_teardown
}

# kill_resume QOS: 40 lines delivered, then the broker is frozen
# (SIGSTOP) while 15 more are published; mqpub is killed with SIGKILL,
# the broker thawed, and mqpub restarted with the same state directory.
kill_resume() {
	local q=$1 pub_pid
	sub_bg "$T/out" -c -i "st-sub$q" -q "$q" -t "st/q$q"
	mkfifo "$T/fifo"
	(
		seq 1 40
		i=0
		while [ ! -e "$T/go" ] && (( i < 600 )); do sleep 0.05; i=$(( i + 1 )); done
		seq 41 55
		sleep 30
	) > "$T/fifo" 3>&- &
	bg_track $!
	"$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -c -i "st-pub$q" -q "$q" -t "st/q$q" -l \
		--state-dir "$STATE" < "$T/fifo" 2>"$T/pub.err" 3>&- &
	pub_pid=$!
	bg_track "$pub_pid"
	wait_for_lines "$T/out" 40 10 || fail "first 40 lines not delivered"
	kill -STOP "$BROKER_PID"
	touch "$T/go"
	# 15 messages fit the window (20): wait until all are on disk.
	local end=$(( $(now_ms) + 10000 ))
	while (( $(now_ms) < end )); do
		[ "$(stat -c %s "$STATE/st-pub$q.state" 2>/dev/null || echo 0)" -gt 200 ] && break
		sleep 0.05
	done
	sleep 0.3
	kill -KILL "$pub_pid"
	kill -CONT "$BROKER_PID"
	run --separate-stderr timeout 20 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -c -i "st-pub$q" \
		-q "$q" -t "st/q$q" -l --state-dir "$STATE" -d < /dev/null
	assert_success
	# what was in flight went out again, as a redelivery
	grep -q "> PUBLISH qos $q id [0-9]* dup" <<<"$stderr" || grep -q "> PUBREL" <<<"$stderr" ||
		fail "nothing re-sent: $stderr"
	wait_for_lines "$T/out" 55 10 || fail "got $(wc -l < "$T/out") of 55"
	sleep 0.5
}

@test "state-dir: QoS 2 publisher killed with SIGKILL resumes: lost 0, duplicates 0" {
	kill_resume 2
	[ "$(sort -n "$T/out" | uniq | wc -l)" -eq 55 ] || fail "lost: $(seq 1 55 | comm -23 - <(sort -u "$T/out") | sort -n | head)"
	[ "$(wc -l < "$T/out")" -eq 55 ] || fail "duplicates: $(sort "$T/out" | uniq -d | tr '\n' ' ')"
}

@test "state-dir: QoS 1 publisher killed with SIGKILL resumes: lost 0" {
	kill_resume 1
	[ "$(sort -n "$T/out" | uniq | wc -l)" -eq 55 ] || fail "lost messages"
	echo "# QoS 1 duplicates after the kill: $(( $(wc -l < "$T/out") - 55 ))" >&3
}

@test "state-dir: a finished run leaves nothing to resend; a damaged state file is exit 2" {
	run timeout 10 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -c -i st-once -q 1 -t st/x -m hi --state-dir "$STATE"
	assert_success
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -c -i st-once -q 1 \
		-t st/x -l --state-dir "$STATE" -d < /dev/null
	assert_success
	! grep -q "> PUBLISH" <<<"$stderr" || fail "re-sent: $stderr"
	printf 'garbage' > "$STATE/st-once.state"
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -c -i st-once -q 1 \
		-t st/x -m hi --state-dir "$STATE"
	assert_failure 2
	assert_stderr_line mqpub "state file"
}

@test "state-dir: the default is \$XDG_STATE_HOME/mq/<client id>.state, only with -c" {
	run timeout 10 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -c -i "a/b" -q 1 -t st/x -m hi
	assert_success
	[ -f "$XDG_STATE_HOME/mq/a%2Fb.state" ] || fail "$(ls -R "$XDG_STATE_HOME")"
	run timeout 10 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -i clean-one -q 1 -t st/x -m hi
	assert_success
	[ ! -e "$XDG_STATE_HOME/mq/clean-one.state" ]
}
