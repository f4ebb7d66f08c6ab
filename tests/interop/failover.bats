#!/usr/bin/env bats
# failover.bats - a list of two brokers of different kinds (mosquitto,
# MQTT 5; aedes, MQTT 3.1.1): when one goes away the clients go on with
# the other, default flags (no -V).

load interop

setup() {
	common_setup
	ib_start mosquitto "$T/mosquitto" || fail "mosquitto would not start"
	M_PID=$IB_PID M_PORT=$IB_PORT
	ib_start aedes "$T/aedes" || fail "aedes would not start"
	A_PID=$IB_PID A_PORT=$IB_PORT
}

teardown() {
	common_teardown
	ib_stop "$M_PID"
	ib_stop "$A_PID"
}

# wait_grep FILE REGEX COUNT TIMEOUT: until FILE has COUNT matching lines.
wait_grep() {
	local end=$(( $(now_ms) + $4 * 1000 ))
	until [ "$(grep -cE "$2" "$1" 2>/dev/null || true)" -ge "$3" ]; do
		(( $(now_ms) < end )) || return 1
		sleep 0.02
	done
}

@test "failover: mqsub goes from aedes to mosquitto and subscribes again" {
	local t=interop/failover/sub
	"$MQSUB" -h "127.0.0.1:$A_PORT,127.0.0.1:$M_PORT" -q 1 -t "$t" -C 2 -W 60 \
		--reconnect-min 50 --reconnect-max 200 -d >"$T/out" 2>"$T/err" &
	SUB_PID=$!
	bg_track "$SUB_PID"
	wait_grep "$T/err" '< SUBACK' 1 15 || fail "$(cat "$T/err")"
	"$MQPUB" -p "$A_PORT" -h 127.0.0.1 -q 1 -t "$t" -m "from aedes" || fail "publish to aedes"
	wait_grep "$T/out" 'from aedes' 1 10 || fail "nothing from aedes"
	ib_stop "$A_PID"
	wait_grep "$T/err" '< SUBACK' 2 30 || fail "no second SUBACK: $(tail "$T/err")"
	"$MQPUB" -p "$M_PORT" -h 127.0.0.1 -q 1 -t "$t" -m "from mosquitto" || fail "publish to mosquitto"
	wait_pid "$SUB_PID" 20 || fail "mqsub still running"
	[ "$WAIT_STATUS" = 0 ] || fail "mqsub exit $WAIT_STATUS: $(tail "$T/err")"
	[ "$(cat "$T/out")" = $'from aedes\nfrom mosquitto' ]
	grep -q "trying 127.0.0.1:$M_PORT" "$T/err" || fail "no failover notice"
}

@test "failover: mqpub -l goes from mosquitto (MQTT 5) to aedes (3.1.1) mid-stream, nothing lost" {
	local t=interop/failover/pub
	"$MQSUB" -p "$M_PORT" -h 127.0.0.1 -q 1 -t "$t" -d >"$T/m.out" 2>"$T/m.err" &
	bg_track $!
	"$MQSUB" -p "$A_PORT" -h 127.0.0.1 -q 1 -t "$t" -d >"$T/a.out" 2>"$T/a.err" &
	bg_track $!
	wait_grep "$T/m.err" '< SUBACK' 1 15 || fail "mosquitto subscriber"
	wait_grep "$T/a.err" '< SUBACK' 1 15 || fail "aedes subscriber"
	mkfifo "$T/fifo"
	"$MQPUB" -h "127.0.0.1:$M_PORT,127.0.0.1:$A_PORT" -q 1 -t "$t" -l -W 60 \
		--reconnect-min 50 --reconnect-max 200 -d <"$T/fifo" >"$T/pub.out" 2>"$T/pub.err" &
	local pub_pid=$!
	bg_track "$pub_pid"
	exec 4>"$T/fifo"
	seq -f 'line %g' 1 10 >&4
	wait_grep "$T/m.out" '^line' 10 10 || { exec 4>&-; fail "first 10 lines not at mosquitto"; }
	ib_stop "$M_PID"
	seq -f 'line %g' 11 20 >&4
	exec 4>&-
	wait_pid "$pub_pid" 40 || fail "mqpub still running: $(tail "$T/pub.err")"
	[ "$WAIT_STATUS" = 0 ] || fail "mqpub exit $WAIT_STATUS: $(tail "$T/pub.err")"
	wait_grep "$T/a.out" '^line 20$' 1 10 || fail "line 20 not at aedes: $(cat "$T/a.out")"
	seq -f 'line %g' 1 20 > "$T/want"
	sort -u -V "$T/m.out" "$T/a.out" | cmp - "$T/want" || fail "lost: $(sort -u -V "$T/m.out" "$T/a.out" | tr '\n' ' ')"
	grep -q "does not support MQTT 5: using MQTT 3.1.1" "$T/pub.err" || fail "no fallback said"
}
