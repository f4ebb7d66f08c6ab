#!/usr/bin/env bats
# --state-dir: a publisher or subscriber killed with SIGKILL and started
# again with the same client id and state directory resumes its in-flight
# messages.

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
sent_publishes() {
	(( $(grep -c '> PUBLISH' "$T/pub.err") >= $1 ))
}

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
		--state-dir "$STATE" -d < "$T/fifo" 2>"$T/pub.err" 3>&- &
	pub_pid=$!
	bg_track "$pub_pid"
	wait_for_lines "$T/out" 40 10 || fail "first 40 lines not delivered"
	kill -STOP "$BROKER_PID"
	touch "$T/go"
	# 15 messages fit the window (20): wait until all 55 are queued (-d
	# traces each); the same loop turn writes them to the state file
	# before sending them.
	wait_until 20 sent_publishes 55 || fail "mqpub queued $(grep -c '> PUBLISH' "$T/pub.err") of 55"
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
	printf 'garbage' > "$STATE/st-once@127.0.0.1:$BROKER_PORT.state"
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -c -i st-once -q 1 \
		-t st/x -m hi --state-dir "$STATE"
	assert_failure 2
	assert_stderr_line mqpub "state file"
}

@test "state-dir: the default is \$XDG_STATE_HOME/mq/<client id>@<host>:<port>.state, only with -c" {
	run timeout 10 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -c -i "a/b" -q 1 -t st/x -m hi
	assert_success
	[ -f "$XDG_STATE_HOME/mq/a%2Fb@127.0.0.1:$BROKER_PORT.state" ] || fail "$(ls -R "$XDG_STATE_HOME")"
	run timeout 10 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -i clean-one -q 1 -t st/x -m hi
	assert_success
	! ls "$XDG_STATE_HOME/mq/" 2>/dev/null | grep -q clean-one
}

# wait_state_size N: wait up to 10 s for st-in's state file to be N bytes
# long; sets STATE_SIZE.
wait_state_size() {
	local end=$(( $(now_ms) + 10000 ))
	while :; do
		STATE_SIZE=$(stat -c %s "$STATE/st-in@127.0.0.1:$PROXY_PORT.state" 2>/dev/null) || STATE_SIZE=0
		(( STATE_SIZE == $1 )) && return 0
		(( $(now_ms) < end )) || return 1
		sleep 0.02
	done
}

# sub_kill_resume KEEP: mqsub (QoS 2, -c, behind the fault proxy) prints
# 10 lines; then the proxy holds back everything mqsub sends while 30 more
# are published, so the broker has 30 PUBLISH that mqsub has printed and
# recorded but whose PUBREC never arrived.  mqsub is
# killed with SIGKILL and started again with the same client id, its state
# file removed first unless KEEP is 1.  Both runs print to $T/out.
sub_kill_resume() {
	local keep=$1 sub_pid
	proxy_start
	sub_bg "$T/out" -p "$PROXY_PORT" -c -i st-in -q 2 -t st/in --state-dir "$STATE"
	sub_pid=$SUB_PID
	seq 1 10 | pub -q 2 -t st/in -l || fail "first publish failed"
	wait_for_lines "$T/out" 10 10 || fail "first 10 lines not delivered"
	# an empty state (22 bytes, see src/core/store.c) once all 10 completed
	wait_state_size 22 || fail "the first 10 never completed (state file size $STATE_SIZE)"
	[[ $(ctl pause c2s) == ok* ]] || fail "proxy would not pause"
	seq 11 40 | pub -q 2 -t st/in -l || fail "second publish failed"
	wait_for_lines "$T/out" 40 10 || fail "the 30 in flight were not printed"
	# 30 inbound ids (2 bytes each) and no outbound message
	wait_state_size 82 || fail "state file never held the 30 ids (size $STATE_SIZE)"
	kill -KILL "$sub_pid"
	ctl cut >/dev/null
	ctl resume >/dev/null
	(( keep )) || rm -f "$STATE/st-in@127.0.0.1:$PROXY_PORT.state"
	"$MQSUB" -h 127.0.0.1 -p "$PROXY_PORT" -c -i st-in -q 2 -t st/in --state-dir "$STATE" -d \
		>>"$T/out" 2>"$T/out2.err" 3>&- &
	bg_track $!
	# every one of the 30 goes through PUBREC, PUBREL and PUBCOMP again
	local end=$(( $(now_ms) + 10000 ))
	while (( $(grep -c '> PUBCOMP' "$T/out2.err") < 30 )); do
		(( $(now_ms) < end )) || fail "the 30 re-sent were not completed: $(tail -n 5 "$T/out2.err")"
		sleep 0.05
	done
}

@test "state-dir: QoS 2 subscriber killed with SIGKILL resumes: nothing lost, nothing printed twice" {
	sub_kill_resume 1
	[ "$(sort -u "$T/out" | wc -l)" -eq 40 ] || fail "lost: $(seq 1 40 | comm -23 - <(sort -u "$T/out") | tr '\n' ' ')"
	[ "$(wc -l < "$T/out")" -eq 40 ] || fail "printed twice: $(sort -n "$T/out" | uniq -d | tr '\n' ' ')"
	# the broker did re-send them: the state file is what kept them out
	grep -q "< PUBLISH qos 2 id [0-9]* dup" "$T/out2.err" || fail "no re-send seen: $(head "$T/out2.err")"
}

@test "state-dir: without its state file the same killed subscriber prints the 30 in flight again" {
	sub_kill_resume 0
	[ "$(sort -u "$T/out" | wc -l)" -eq 40 ] || fail "lost messages"
	[ "$(wc -l < "$T/out")" -eq 70 ] || fail "expected 30 duplicates, got $(( $(wc -l < "$T/out") - 40 ))"
}

@test "state-dir: a second run with the same client id waits for the first (within -W) instead of taking its session" {
	local pid
	proxy_start
	ctl pause >/dev/null
	# the first run hangs connecting, holding the state file
	"$MQPUB" -h 127.0.0.1 -p "$PROXY_PORT" -c -i st-two -q 1 -t st/two -m first \
		--state-dir "$STATE" 2>"$T/first.err" 3>&- &
	pid=$!
	bg_track "$pid"
	local end=$(( $(now_ms) + 5000 ))
	until [ -e "$STATE/st-two@127.0.0.1:$PROXY_PORT.state.lock" ]; do
		(( $(now_ms) < end )) || fail "the first run never took the lock"
		sleep 0.02
	done
	sub_bg "$T/out" -q 1 -t st/two
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$PROXY_PORT" -c -i st-two -q 1 \
		-t st/two -m second -W 1 --state-dir "$STATE"
	assert_failure 5
	# one line saying why it waits, one saying why it gave up
	(( ${#stderr_lines[@]} == 2 )) || fail "stderr: $stderr"
	[[ ${stderr_lines[0]} == "mqpub: waiting for another process with this client id to end"* ]] ||
		fail "stderr: $stderr"
	[[ ${stderr_lines[1]} == "mqpub: timed out waiting for another process with this client id"* ]] ||
		fail "stderr: $stderr"
	[ ! -s "$T/out" ] || fail "the second run published: $(cat "$T/out")"
	# once the first is done, the next run goes through at once
	ctl resume >/dev/null
	wait_pid "$pid" 10 || fail "the first run did not finish"
	[ "$WAIT_STATUS" -eq 0 ] || fail "first run exit $WAIT_STATUS: $(cat "$T/first.err")"
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$PROXY_PORT" -c -i st-two -q 1 \
		-t st/two -m third --state-dir "$STATE"
	assert_success
	assert_equal "$stderr" ""
	wait_for_lines "$T/out" 2 10 || fail "got: $(cat "$T/out")"
	assert_equal "$(cat "$T/out")" "$(printf 'first\nthird')"
}

@test "state-dir: one state file per broker; one written for another version is not applied and says how to clear it" {
	local other
	other=$(free_port)
	run timeout 10 "$MQPUB" -h "127.0.0.1,127.0.0.1:$other" -p "$BROKER_PORT" -c -i per-broker \
		-q 1 -t st/x -m hi --state-dir "$STATE"
	assert_success
	[ -f "$STATE/per-broker@127.0.0.1:$BROKER_PORT.state" ] || fail "$(ls "$STATE")"
	# the same id with another broker first in the list: another file
	run timeout 10 "$MQPUB" -h "127.0.0.1:$other,127.0.0.1" -p "$BROKER_PORT" -c -i per-broker \
		-q 1 -t st/x -m hi --state-dir "$STATE"
	assert_success
	[ -f "$STATE/per-broker@127.0.0.1:$other.state" ] || fail "$(ls "$STATE")"
	# written for 3.1.1, used with -V 5: left in place, the error says how to clear it
	run timeout 10 "$MQPUB" -V 311 -h 127.0.0.1 -p "$BROKER_PORT" -c -i v-change -q 1 -t st/x -m hi \
		--state-dir "$STATE"
	assert_success
	run --separate-stderr timeout 10 "$MQPUB" -V 5 -h 127.0.0.1 -p "$BROKER_PORT" -c -i v-change \
		-q 1 -t st/x -m hi --state-dir "$STATE"
	assert_failure 2
	[[ $stderr == *"written for MQTT 3.1.1"*"remove the file"* ]] || fail "stderr: $stderr"
	[ -f "$STATE/v-change@127.0.0.1:$BROKER_PORT.state" ]
	# without -V, a 3.1.1 state means the broker was found to speak 3.1.1
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -c -i v-change \
		-q 1 -t st/x -m hi --state-dir "$STATE" -d
	assert_success
	[[ $stderr == *"CONNECT v3.1.1"* ]] || fail "stderr: $stderr"
}

@test "state-dir: a state file keyed by client id alone (older versions) is left alone, with a warning" {
	mkdir -p "$STATE"
	printf 'old' > "$STATE/legacy.state"
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -c -i legacy \
		-q 1 -t st/x -m hi --state-dir "$STATE"
	assert_success
	[[ $stderr == "mqpub: warning: state file '$STATE/legacy.state' is not tied to a broker"*"remove it"* ]] ||
		fail "stderr: $stderr"
	[ "$(cat "$STATE/legacy.state")" = old ]
}
