#!/usr/bin/env bats
# mqpub --spool for cron jobs, and broker failover with -h host,host / -L -L.

load helpers

setup() {
	common_setup
	SPOOL="$T/spool"
}

teardown() {
	common_teardown
}

# dead_port: a loopback port nothing listens on.
dead_port() {
	free_port
}

@test "cron: 20 runs queue while the broker is down, the next run delivers all 20 in order, once" {
	broker_start
	local port=$BROKER_PORT run_no
	broker_stop
	for run_no in $(seq 1 20); do
		run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$port" -q 1 \
			-t cron/temp -m "reading $run_no" --spool "$SPOOL"
		assert_failure 7
		assert_stderr_line mqpub
		if [ "$run_no" -eq 1 ]; then
			assert_stderr_match "1 message kept in spool"
		else
			assert_stderr_match "$run_no messages kept in spool"
		fi
	done
	[ "$(ls "$SPOOL"/*.msg | wc -l)" -eq 20 ]
	broker_launch
	sub_bg "$T/out" -q 1 -t cron/temp -C 21
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$port" -q 1 \
		-t cron/temp -m "reading 21" --spool "$SPOOL"
	assert_success
	wait_pid "$SUB_PID" 10 || fail "subscriber got $(wc -l < "$T/out") of 21"
	assert_file_eq "$T/out" "$(seq 1 21 | sed 's/^/reading /')"$'\n'
	[ -z "$(ls "$SPOOL"/*.msg 2>/dev/null)" ] || fail "spool not emptied"
}

@test "--flush delivers the spool without a new message; an empty spool is a quiet success" {
	broker_start
	local port=$BROKER_PORT
	broker_stop
	run timeout 10 "$MQPUB" -h 127.0.0.1 -p "$port" -q 2 -t f/t -l --spool "$SPOOL" <<<$'a\nb\nc'
	assert_failure 7
	broker_launch
	sub_bg "$T/out" -q 2 -t f/t -C 3
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$port" --spool "$SPOOL" --flush
	assert_success
	wait_pid "$SUB_PID" 10 || fail "got $(wc -l < "$T/out") of 3"
	assert_file_eq "$T/out" $'a\nb\nc\n'
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$port" --spool "$SPOOL" --flush
	assert_success
	assert_stderr_empty
}

@test "two concurrent cron runs on one spool: nothing corrupted, nothing sent twice" {
	broker_start
	local port=$BROKER_PORT w writers=()
	broker_stop
	for w in a b; do
		(
			for k in $(seq 1 10); do
				timeout 20 "$MQPUB" -h 127.0.0.1 -p "$port" -q 1 -t cc/t \
					-m "$w$k" --spool "$SPOOL" 2>/dev/null || true
			done
		) 3>&- &
		writers+=($!)
		bg_track $!
	done
	wait "${writers[@]}" || true   # each writer ends with exit 7 (queued)
	[ "$(ls "$SPOOL"/*.msg | wc -l)" -eq 20 ] || fail "$(ls "$SPOOL")"
	broker_launch
	sub_bg "$T/out" -q 1 -t cc/t -C 20 -W 20
	# Two flushes at once: the lock makes the second wait, then find nothing.
	timeout 20 "$MQPUB" -h 127.0.0.1 -p "$port" --spool "$SPOOL" --flush &
	local p1=$!
	timeout 20 "$MQPUB" -h 127.0.0.1 -p "$port" --spool "$SPOOL" --flush
	wait "$p1"
	wait_pid "$SUB_PID" 20 || fail "got $(wc -l < "$T/out") of 20"
	[ "$(sort -u "$T/out" | wc -l)" -eq 20 ]
	# Each writer's readings keep their order.
	[ "$(grep '^a' "$T/out" | tr -d a | paste -sd,)" = "$(seq -s, 1 10)" ]
	sleep 0.5
	[ "$(wc -l < "$T/out")" -eq 20 ] || fail "duplicates: $(sort "$T/out" | uniq -d)"
}

@test "--spool-max: a full spool refuses the new message with exit 6 and keeps the old ones" {
	local port
	port=$(dead_port)
	run timeout 10 "$MQPUB" -h 127.0.0.1 -p "$port" -t s/t -m one --spool "$SPOOL" --spool-max 1
	assert_failure 7
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$port" -t s/t -m two --spool "$SPOOL" --spool-max 1
	assert_failure 6
	assert_stderr_line mqpub "full"
	[ "$(ls "$SPOOL"/*.msg | wc -l)" -eq 1 ]
}

@test "a damaged spool entry is set aside with a warning, the rest is delivered" {
	local port
	broker_start
	port=$BROKER_PORT
	broker_stop
	run timeout 10 "$MQPUB" -h 127.0.0.1 -p "$port" -t d/t -m good --spool "$SPOOL"
	assert_failure 7
	printf 'MQSPOOL1garbage' > "$SPOOL/00000000000000000000.msg"
	broker_launch
	sub_bg "$T/out" -t d/t -C 1
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$port" --spool "$SPOOL" --flush
	assert_success
	assert_stderr_match "damaged"
	wait_pid "$SUB_PID" 10
	[ "$(cat "$T/out")" = good ]
	[ -e "$SPOOL/00000000000000000000.msg.bad" ]
}

@test "--flush without --spool, and a spool path that cannot be created: exit 2" {
	run timeout 5 "$MQPUB" --flush
	assert_failure 2
	run --separate-stderr timeout 5 "$MQPUB" -t a -m x --spool /proc/nope/spool
	assert_failure 2
	assert_stderr_line mqpub
}

@test "failover: -h dead,alive publishes through the second broker" {
	broker_start
	sub_bg "$T/out" -t fo/t -C 1
	run --separate-stderr timeout 10 "$MQPUB" -h "127.0.0.1:$(dead_port),127.0.0.1:$BROKER_PORT" \
		-t fo/t -m hi -q 1
	assert_success
	wait_pid "$SUB_PID" 10
	[ "$(cat "$T/out")" = hi ]
}

@test "failover: repeated -L, and every broker down is exit 1" {
	broker_start
	sub_bg "$T/out" -t fo/l -C 1
	run timeout 10 "$MQPUB" -L "mqtt://127.0.0.1:$(dead_port)/fo/l" -L "mqtt://127.0.0.1:$BROKER_PORT/fo/l" -m hi
	assert_success
	wait_pid "$SUB_PID" 10
	run --separate-stderr timeout 10 "$MQPUB" -h "127.0.0.1:$(dead_port),127.0.0.1:$(dead_port)" -t x -m y
	assert_failure 1
	assert_stderr_match "cannot connect"
}
