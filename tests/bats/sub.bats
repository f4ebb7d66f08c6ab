#!/usr/bin/env bats
# mqsub against a real mosquitto; the publishing side is mosquitto_pub, an
# independent reference peer, so a failure here is mqsub's.

load helpers

setup() {
	common_setup
	broker_start
}

teardown() {
	common_teardown
}

# sub_done TIMEOUT [STATUS]: the background mqsub ends with STATUS (0) in time.
sub_done() {
	local want=${2:-0}
	wait_pid "$SUB_PID" "$1" || fail "mqsub still running after $1 s; output: $(cat "$T/out")"
	[ "$WAIT_STATUS" -eq "$want" ] || fail "mqsub exit $WAIT_STATUS, want $want; stderr: $(cat "$T/out.err")"
}

@test "payload printed one per line, byte-exact" {
	sub_bg "$T/out" -t s/a -C 2
	rpub -t s/a -m 'hello  wörld'
	rpub -t s/a -m ''
	sub_done 10
	assert_file_eq "$T/out" "hello  wörld

"
}

@test "binary payload written byte-exact (-N -C 1), sha256 equal" {
	head -c 250000 /dev/urandom > "$T/blob"
	printf '\0\n\0' >> "$T/blob"
	sub_bg "$T/out" -t s/bin -N -C 1
	rpub -t s/bin -f "$T/blob"
	sub_done 10
	assert_equal "$(sha "$T/out")" "$(sha "$T/blob")"
}

@test "several -t filters: messages from each arrive" {
	sub_bg "$T/out" -t s/one -t 's/two/+' -t 's/three/#' -C 3
	rpub -t s/one -q 1 -m 1
	rpub -t s/two/x -q 1 -m 2
	rpub -t s/three/a/b -q 1 -m 3
	sub_done 10
	assert_file_eq "$T/out" "1
2
3
"
}

@test "-T filters out matching topics" {
	sub_bg "$T/out" -t 'f/#' -T 'f/skip/#' -T f/also
	rpub -t f/a -q 1 -m one
	rpub -t f/skip/x -q 1 -m two
	rpub -t f/also -q 1 -m two-b
	rpub -t f/b -q 1 -m three
	wait_for_lines "$T/out" 2 10
	# Order is guaranteed (QoS 1, one subscriber); "three" is the last one sent.
	assert_file_eq "$T/out" "one
three
"
}

@test "-v prints 'topic payload'" {
	sub_bg "$T/out" -t 'v/#' -v -C 2
	rpub -t v/x/y -q 1 -m 'some payload'
	rpub -t v/z -q 1 -n
	sub_done 10
	assert_file_eq "$T/out" "v/x/y some payload
v/z 
"
}

@test "-N: no newline after each message" {
	sub_bg "$T/out" -t n/x -N -C 3
	rpub -t n/x -q 1 -m a
	rpub -t n/x -q 1 -m bc
	rpub -t n/x -q 1 -m d
	sub_done 10
	assert_file_eq "$T/out" "abcd"
}

@test "-C N: exit 0 after exactly N messages" {
	printf '1\n2\n3\n4\n5\n' > "$T/in"
	sub_bg "$T/out" -t c/x -C 3
	rpub -t c/x -q 1 -l < "$T/in"
	sub_done 10
	assert_file_eq "$T/out" "1
2
3
"
}

@test "-E: exit 0 once every subscription is acknowledged" {
	local from
	from=$(log_lines)
	run --separate-stderr sub -t e/one -t 'e/two/#' -E
	assert_success
	assert_output ''
	tail -n +"$((from + 1))" "$BROKER_LOG" | grep -qF "$(printf '\te/one (QoS')" || fail "e/one not subscribed"
	tail -n +"$((from + 1))" "$BROKER_LOG" | grep -qF "$(printf '\te/two/# (QoS')" || fail "e/two/# not subscribed"
}

@test "-q 1: subscription requested at QoS 1" {
	local from
	from=$(log_lines)
	run --separate-stderr sub -t q/x -q 1 -E
	assert_success
	tail -n +"$((from + 1))" "$BROKER_LOG" | grep -qF "$(printf '\tq/x (QoS 1)')" || fail "no QoS 1 subscription"
	run --separate-stderr sub -t q/y -q 2 -E
	assert_success
	grep -qF "$(printf '\tq/y (QoS 2)')" "$BROKER_LOG" || fail "no QoS 2 subscription"
}

@test "-V 311 and -V 5 subscribers both receive" {
	sub_bg "$T/out4" -i s311 -V 311 -t vv/x -C 1
	sub_bg "$T/out5" -i s5 -V 5 -t vv/x -C 1
	rpub -t vv/x -q 1 -m both
	wait_pid "$SUB_PID" 10 || fail "v5 subscriber did not finish"
	wait_for_lines "$T/out4" 1 10
	assert_file_eq "$T/out4" "both
"
	assert_file_eq "$T/out5" "both
"
	grep -qE 'as s311 \(p2,' "$BROKER_LOG" || fail "-V 311 subscriber did not use MQTT 3.1.1"
	grep -qE 'as s5 \(p5,' "$BROKER_LOG" || fail "-V 5 subscriber did not use MQTT 5"
}

@test "-L mqtt://host:port/filter subscribes to the URL's topic" {
	local from
	from=$(log_lines)
	timeout 30 "$MQSUB" -L "mqtt://127.0.0.1:$BROKER_PORT/url/sub" -C 1 > "$T/out" 2> "$T/out.err" 3>&- &
	SUB_PID=$!
	bg_track "$SUB_PID"
	wait_subscribed "$from" "$SUB_PID" url/sub
	rpub -t url/sub -m viaurl
	sub_done 10
	assert_file_eq "$T/out" "viaurl
"
}

@test "-I PREFIX: client id is PREFIX + process id; default is mqsub-<hex>" {
	sub_bg "$T/out" -I pre- -t i/x
	grep -qF "as pre-$SUB_PID (" "$BROKER_LOG" || fail "client id pre-$SUB_PID not seen: $(grep 'as pre' "$BROKER_LOG")"
	run --separate-stderr sub -t i/y -E
	assert_success
	grep -qE 'as mqsub-[0-9a-fA-F]+ \(' "$BROKER_LOG" || fail "no default mqsub-<hex> id in broker log"
}

@test "| head -n 3: mqsub ends quietly with exit 0, nothing on stderr" {
	local from st
	from=$(log_lines)
	bash -c 'timeout 30 "$0" -h 127.0.0.1 -p "$1" -t h/x 2>"$2" | head -n 3 > "$3"; echo "${PIPESTATUS[*]}" > "$4"' \
		"$MQSUB" "$BROKER_PORT" "$T/err" "$T/out" "$T/status" 3>&- &
	bg_track $!
	wait_subscribed "$from" $! h/x
	seq 20 > "$T/in"
	rpub -t h/x -q 1 -l < "$T/in"
	wait_for_lines "$T/out" 3 10
	# head has exited; the next messages make mqsub write into a closed pipe.
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ -s "$T/status" ] && break
		rpub -t h/x -q 1 -m "more $i"
		wait_for_bytes "$T/status" 1 1 2>/dev/null || true
	done
	wait_for_bytes "$T/status" 1 5 || fail "pipeline did not end: mqsub kept running after head exited"
	st=$(cat "$T/status")
	assert_equal "$st" "0 0"
	assert_file_eq "$T/out" "1
2
3
"
	[ ! -s "$T/err" ] || fail "mqsub wrote on stderr: $(cat "$T/err")"
}

@test "-R skips retained messages" {
	rpub -t r/x -r -q 1 -m stale
	sub_bg "$T/out" -t r/x -R -C 1
	rpub -t r/x -q 1 -m fresh
	sub_done 10
	assert_file_eq "$T/out" "fresh
"
}

@test "without -R a retained message is printed" {
	rpub -t r/y -r -q 1 -m stale
	run --separate-stderr sub -t r/y -C 1 -W 10
	assert_success
	assert_output stale
}

@test "--retained-only: prints only retained, exits when a live message arrives" {
	rpub -t ro/a -r -q 1 -m keep-a
	rpub -t ro/b -r -q 1 -m keep-b
	sub_bg "$T/out" -t 'ro/#' --retained-only
	wait_for_lines "$T/out" 2 10
	rpub -t ro/c -q 1 -m live
	sub_done 10
	run sort "$T/out"
	assert_output "keep-a
keep-b"
}

@test "-W SECS without -C: stop after SECS, exit 0" {
	local start el
	start=$(now_ms)
	run --separate-stderr sub -t w/x -W 1
	el=$(( $(now_ms) - start ))
	assert_success
	(( el >= 900 && el < 4000 )) || fail "-W 1 ended after ${el} ms"
}

@test "-W SECS with -C N not reached: exit 5" {
	local start el
	start=$(now_ms)
	run --separate-stderr sub -t w/x -C 5 -W 1
	el=$(( $(now_ms) - start ))
	assert_failure 5
	(( el >= 900 && el < 4000 )) || fail "-W 1 ended after ${el} ms"
}

@test "-W SECS against a server that never sends CONNACK: exit 5, with or without -C" {
	fake_broker silent
	run --separate-stderr timeout 20 "$MQSUB" -h 127.0.0.1 -p "$FAKE_PORT" -W 1 -t w/x
	assert_failure 5
	assert_stderr_line mqsub 'timed out'
	run --separate-stderr timeout 20 "$MQSUB" -h 127.0.0.1 -p "$FAKE_PORT" -W 1 -C 1 -t w/x
	assert_failure 5
	assert_stderr_line mqsub 'timed out'
}

@test "-W SECS after the connection was lost: exit 0 without -C (it had connected)" {
	sub_bg "$T/out" -t w/lost -W 2 --reconnect-min 5000
	broker_stop
	wait_pid "$SUB_PID" 10 || fail "mqsub still running"
	[ "$WAIT_STATUS" -eq 0 ] || fail "exit $WAIT_STATUS: $(cat "$T/out.err")"
}

@test "-W SECS with -C N reached in time: exit 0" {
	sub_bg "$T/out" -t w/y -C 2 -W 10
	rpub -t w/y -m a
	rpub -t w/y -m b
	sub_done 10
	assert_file_eq "$T/out" "a
b
"
}

@test "SIGTERM: clean DISCONNECT, exit 0" {
	sub_bg "$T/out" -i term-me -t sig/x
	kill -TERM "$SUB_PID"
	sub_done 10 0
	wait_log 'Received DISCONNECT from term-me' 1 5
}

@test "SIGINT: clean DISCONNECT, exit 0" {
	local from
	from=$(log_lines)
	# Background jobs start with SIGINT ignored; give mqsub the default back.
	env --default-signal=INT "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -i int-me -t sig/y > "$T/out" 2> "$T/out.err" 3>&- &
	SUB_PID=$!
	bg_track "$SUB_PID"
	wait_subscribed "$from" "$SUB_PID" sig/y
	kill -INT "$SUB_PID"
	sub_done 10 0
	wait_log 'Received DISCONNECT from int-me' 1 5
}

@test "unreachable port: mqsub exits 1 at once with a one-line message" {
	local port start el
	port=$(free_port)
	start=$(now_ms)
	run --separate-stderr timeout 20 "$MQSUB" -h 127.0.0.1 -p "$port" -t x
	el=$(( $(now_ms) - start ))
	assert_failure 1
	assert_stderr_line mqsub 'refused'
	(( el < 5000 )) || fail "took ${el} ms"
}

@test "-d: packet trace with CONNECT, CONNACK, SUBSCRIBE, SUBACK on stderr" {
	run --separate-stderr sub -d -t dbg/x -E
	assert_success
	assert_stderr_match 'CONNECT'
	assert_stderr_match 'CONNACK'
	assert_stderr_match 'SUBSCRIBE'
	assert_stderr_match 'SUBACK'
}

# --- SUBACK refusal.  mosquitto 2.0.11 with an acl_file GRANTS a denied
# subscription (SUBACK 0) and silently drops the messages; the dynamic
# security plugin refuses it in SUBACK (0x87 under MQTT 5, 0x80 under 3.1.1).

dynsec_broker() {
	local lines
	dynsec_plugin >/dev/null || skip "no mosquitto dynamic security plugin"
	mapfile -t lines < <(make_dynsec)
	broker_stop
	broker_start "${lines[@]}"
}

@test "SUBACK refusal (MQTT 5, 0x87): exit 6 and \"subscription to 'x' refused: not authorized\"" {
	dynsec_broker
	run --separate-stderr sub -V 5 -t secret/x -E
	assert_failure 6
	assert_stderr_line mqsub
	assert_equal "${stderr_lines[0]}" "mqsub: subscription to 'secret/x' refused: not authorized"
}

@test "SUBACK refusal (MQTT 3.1.1, 0x80): exit 6 with a message" {
	dynsec_broker
	run --separate-stderr sub -V 311 -t secret/x -E
	assert_failure 6
	assert_stderr_line mqsub "subscription to 'secret/x' refused"
}

@test "SUBACK refusal without -E: exit 6, does not hang" {
	dynsec_broker
	run --separate-stderr sub -t secret/y
	assert_failure 6
	assert_stderr_line mqsub "subscription to 'secret/y' refused"
}

@test "SUBACK with one of two filters refused: exit 6 naming that filter" {
	dynsec_broker
	run --separate-stderr sub -t open/x -t 'secret/#' -E
	assert_failure 6
	assert_stderr_line mqsub "subscription to 'secret/#' refused"
	run --separate-stderr sub -t open/x -E
	assert_success
}

# --- persistent sessions

persistent_session() {
	local v=$1
	run --separate-stderr sub -V "$v" -c -i "persist-$v" -q 1 -t ps/x -E
	assert_success
	grep -qE "as persist-$v \(p[25], c0," "$BROKER_LOG" || fail "-c did not clear clean session"
	seq 5 > "$T/in"
	rpub -t ps/x -q 1 -l < "$T/in"
	run --separate-stderr sub -V "$v" -c -i "persist-$v" -q 1 -t ps/x -C 5 -W 10
	assert_success
	assert_output "1
2
3
4
5"
}

@test "persistent session (MQTT 5): -c -i ID -q 1 -E, publish offline, -C N receives them" {
	persistent_session 5
}

@test "persistent session (MQTT 3.1.1): -c -i ID -q 1 -E, publish offline, -C N receives them" {
	persistent_session 311
}

@test "without -c the session is not kept" {
	run --separate-stderr sub -i notkept -q 1 -t nk/x -E
	assert_success
	rpub -t nk/x -q 1 -m lost
	run --separate-stderr sub -i notkept -q 1 -t nk/x -C 1 -W 1
	assert_failure 5
	assert_output ''
}

@test "mqsub --max-inflight N: the broker sends at most N QoS 2 messages before mqsub acknowledges them" {
	proxy_start
	sub_bg "$T/out" -p "$PROXY_PORT" -q 2 -t mi/t --max-inflight 5
	# hold back everything mqsub sends: its PUBRECs never reach the broker
	[[ $(ctl pause c2s) == ok* ]] || fail "proxy would not pause"
	seq 1 20 | pub -q 2 -t mi/t -l || fail "publish failed"
	wait_for_lines "$T/out" 5 10 || fail "the first 5 did not arrive"
	sleep 0.5
	[ "$(wc -l < "$T/out")" -eq 5 ] || fail "the broker sent $(wc -l < "$T/out") with 5 allowed"
	[[ $(ctl resume) == ok* ]] || fail "proxy would not resume"
	wait_for_lines "$T/out" 20 10 || fail "got $(wc -l < "$T/out") of 20 after the acknowledgements went through"
	assert_equal "$(cat "$T/out")" "$(seq 1 20)"
}

@test "output that cannot be written (/dev/full): mqsub exits 1 without acknowledging, and the next run gets the message" {
	local q pid
	for q in 1 2; do
		"$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -c -i "full$q" -q "$q" -t "full/$q" \
			>/dev/full 2>"$T/err$q" 3>&- &
		pid=$!
		bg_track "$pid"
		wait_log "Sending SUBACK to full$q" 1 10 || fail "no subscription"
		pub -q "$q" -t "full/$q" -m "kept $q" || fail "publish failed"
		wait_pid "$pid" 10 || fail "mqsub -q $q kept running with its output failing"
		[ "$WAIT_STATUS" -eq 1 ] || fail "mqsub -q $q exit $WAIT_STATUS: $(cat "$T/err$q")"
		[ "$(wc -l < "$T/err$q")" -eq 1 ] || fail "stderr: $(cat "$T/err$q")"
		grep -q "^mqsub: cannot write output: No space left on device" "$T/err$q" ||
			fail "stderr: $(cat "$T/err$q")"
		# not acknowledged, not recorded as received: delivered again
		run --separate-stderr sub -c -i "full$q" -q "$q" -t "full/$q" -C 1 -W 5
		assert_success
		assert_output "kept $q"
	done
}

@test "SIGTERM before -C is reached: exit 6 and 'interrupted after 2 of 5 messages'" {
	sub_bg "$T/out" -t s/cnt -C 5
	rpub -t s/cnt -m one
	rpub -t s/cnt -m two
	wait_for_lines "$T/out" 2 10
	kill -TERM "$SUB_PID"
	sub_done 10 6
	[ "$(cat "$T/out.err")" = "mqsub: interrupted after 2 of 5 messages" ] ||
		fail "stderr: $(cat "$T/out.err")"
	# without -C, a signal is the normal way to stop: exit 0, nothing said
	sub_bg "$T/out2" -t s/cnt
	kill -INT "$SUB_PID"
	wait_pid "$SUB_PID" 10 || fail "mqsub ignored SIGINT"
	[ "$WAIT_STATUS" -eq 0 ] || fail "exit $WAIT_STATUS: $(cat "$T/out2.err")"
	[ ! -s "$T/out2.err" ] || fail "stderr: $(cat "$T/out2.err")"
}

@test "a signal ends mqsub blocked on a full stdout pipe (exit 6); what was not written is delivered again" {
	local sig catpid pid n
	for sig in TERM INT; do
		rm -f "$T/fifo" "$T/first"
		mkfifo "$T/fifo"
		# The reader holds the pipe open and stops reading: the pipe fills.
		cat < "$T/fifo" > "$T/first" &
		catpid=$!
		bg_track "$catpid"
		"$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -c -i "full-$sig" -q 1 -t s/pipe \
			> "$T/fifo" 2> "$T/err" &
		pid=$!
		bg_track "$pid"
		wait_log "Sending SUBACK to full-$sig" 1 10 || fail "no subscription"
		# (stopped only now: stopped before it opened the fifo, it would
		# hold up mqsub's own open)
		kill -STOP "$catpid"
		# 400 lines of 1 KB: far more than a pipe holds.
		for n in $(seq 400); do printf '%04d%01020d\n' "$n" 0; done > "$T/in"
		pub -q 1 -t s/pipe -l < "$T/in" || fail "publish failed"
		sleep 0.5
		kill "-$sig" "$pid"
		wait_pid "$pid" 5 || fail "SIG$sig ignored while stdout was full"
		[ "$WAIT_STATUS" -eq 6 ] || fail "SIG$sig: exit $WAIT_STATUS: $(cat "$T/err")"
		grep -q '^mqsub: interrupted while standard output was not read' "$T/err" ||
			fail "stderr: $(cat "$T/err")"
		kill -CONT "$catpid"
		wait_pid "$catpid" 5 || fail "reader did not end"
		# The next run of the same session gets every line not written.
		run --separate-stderr sub -c -i "full-$sig" -q 1 -t s/pipe -W 3
		# A pipe takes part of a write: the last line of the first run
		# may be cut short. Only whole lines count; that message comes again.
		{ head -n "$(wc -l < "$T/first")" "$T/first"; printf '%s\n' "$output"; } |
			sort -u | grep -c . > "$T/count" || true
		[ "$(cat "$T/count")" -eq 400 ] ||
			fail "SIG$sig: $(cat "$T/count") of 400 lines, first run wrote $(wc -l < "$T/first")"
	done
}

@test "non-blocking stdout that stays full: no busy loop, and SIGTERM still ends mqsub" {
	local pid catpid ticks1 ticks2
	mkfifo "$T/fifo"
	cat < "$T/fifo" > /dev/null &
	catpid=$!
	bg_track "$catpid"
	# O_NONBLOCK on the pipe, then exec mqsub on it.
	"$PYTHON" -c '
import fcntl, os, sys
fl = fcntl.fcntl(1, fcntl.F_GETFL)
fcntl.fcntl(1, fcntl.F_SETFL, fl | os.O_NONBLOCK)
os.execv(sys.argv[1], sys.argv[1:])
' "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t s/nb > "$T/fifo" 2> "$T/err" &
	pid=$!
	bg_track "$pid"
	wait_log "Sending SUBACK" 1 10 || fail "no subscription: $(cat "$T/err")"
	kill -STOP "$catpid"
	head -c 300000 /dev/zero | tr '\0' x | fold -w 1000 | pub -t s/nb -l || fail "publish failed"
	sleep 1
	ticks1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	sleep 1
	ticks2=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	# A busy loop burns about 100 ticks a second; waiting burns none.
	(( ticks2 - ticks1 < 20 )) || fail "mqsub used $((ticks2 - ticks1)) CPU ticks in 1 s while blocked"
	kill -TERM "$pid"
	wait_pid "$pid" 5 || fail "SIGTERM ignored"
	[ "$WAIT_STATUS" -eq 6 ] || fail "exit $WAIT_STATUS: $(cat "$T/err")"
}

@test "-L with a topic and -t: both filters are subscribed (as mosquitto_sub)" {
	"$MQSUB" -L "mqtt://127.0.0.1:$BROKER_PORT/l/a" -t l/b -C 2 > "$T/out" 2> "$T/err" &
	SUB_PID=$!
	bg_track "$SUB_PID"
	wait_log 'l/b' 1 10 || fail "no subscription: $(cat "$T/err")"
	wait_log 'Sending SUBACK' 1 10
	rpub -t l/a -m from-url
	rpub -t l/b -m from-t
	sub_done 10
	assert_file_eq "$T/out" "from-url
from-t
"
}

@test "--retained-only on a quiet tree: prints the retained messages and exits 0 on its own" {
	rpub -t ro/a -r -m one
	rpub -t ro/b/c -r -m two
	rpub -t ro/d -r -m three
	local start el
	start=$(now_ms)
	run --separate-stderr timeout 20 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t 'ro/#' -v --retained-only
	el=$(( $(now_ms) - start ))
	assert_success
	[ "$(sort <<<"$output")" = "$(printf 'ro/a one\nro/b/c two\nro/d three')" ] || fail "output: $output"
	(( el < 5000 )) || fail "took ${el} ms to see the tree was quiet"
	# an empty tree: nothing printed, exit 0 soon after the SUBACK
	start=$(now_ms)
	run --separate-stderr timeout 20 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t 'empty/#' --retained-only
	assert_success
	assert_output ''
	(( $(now_ms) - start < 5000 )) || fail "empty tree: took $(( $(now_ms) - start )) ms"
	rpub -t ro/a -r -n; rpub -t ro/b/c -r -n; rpub -t ro/d -r -n
}

@test "after 'connection lost; reconnecting' comes 'reconnected to HOST:PORT'" {
	sub_bg "$T/out" -t rc/x --reconnect-min 100
	broker_restart
	wait_for_lines "$T/out.err" 2 15 || fail "stderr: $(cat "$T/out.err")"
	grep -q '^mqsub: connection lost: .*; reconnecting$' "$T/out.err" || fail "stderr: $(cat "$T/out.err")"
	grep -q "^mqsub: reconnected to 127.0.0.1:$BROKER_PORT\$" "$T/out.err" || fail "stderr: $(cat "$T/out.err")"
}

@test "two clients with one client id: the one pushed out says why it may have been" {
	sub_bg "$T/out" -i same-id -t to/x
	local first=$SUB_PID
	sub_bg "$T/out2" -i same-id -t to/x
	wait_for_lines "$T/out.err" 1 10 || fail "nothing said"
	grep -q 'another client with the same client id may have taken the session over' "$T/out.err" ||
		fail "stderr: $(cat "$T/out.err")"
	kill "$first" "$SUB_PID"
}

@test "overlapping filters: one copy under 3.1.1, one per matching filter under 5 (mosquitto), as documented" {
	sub_bg "$T/v311" -V 311 -t 'ov/#' -t 'ov/+/x' -v
	local p311=$SUB_PID
	sub_bg "$T/v5" -V 5 -t 'ov/#' -t 'ov/+/x' -v
	rpub -t ov/a/x -m once
	rpub -t ov/end -m end
	wait_end "$T/v311" "$p311" || fail "3.1.1: the end marker did not arrive"
	wait_end "$T/v5" "$SUB_PID" || fail "5: the end marker did not arrive"
	assert_file_eq "$T/v311" "ov/a/x once
"
	assert_file_eq "$T/v5" "ov/a/x once
ov/a/x once
"
}

@test "-v with an empty payload prints 'topic ' and nothing else (mosquitto_sub prints 'topic (null)')" {
	sub_bg "$T/out" -t em/x -v -C 1
	SUB_CMD=mosquitto_sub sub_bg "$T/ref" -t em/x -v -C 1
	local ref=$SUB_PID
	rpub -t em/x -n
	wait_pid "$ref" 10 || fail "mosquitto_sub got nothing"
	sub_done 10
	assert_file_eq "$T/out" "em/x 
"
	assert_file_eq "$T/ref" "em/x (null)
"
}
