#!/usr/bin/env bats
# Large payloads without copies: a 20 MB random file (not 100 MB, to keep
# the suite quick; tools/bench --only large measures 100 MB) sent with -f
# and -s at every QoS arrives byte-exact; mqpub holds no copy of it and
# mqsub -N one; a link cut inside it is healed by a byte-exact re-send;
# one too large for the broker is refused before anything is sent.

load helpers
load tls_helpers

SIZE=$(( 20 * 1024 * 1024 ))

setup_file() {
	tls_setup_file
	head -c "$SIZE" /dev/urandom > "$BATS_FILE_TMPDIR/big"
	sha256sum < "$BATS_FILE_TMPDIR/big" | cut -d' ' -f1 > "$BATS_FILE_TMPDIR/big.sha"
}

setup() {
	common_setup
	BIG="$BATS_FILE_TMPDIR/big"
	SHA=$(cat "$BATS_FILE_TMPDIR/big.sha")
}

teardown() {
	common_teardown
}

# got_big FILE: FILE is the 20 MB payload, byte for byte.
got_big() {
	local sum
	sum=$(sha256sum < "$1" | cut -d' ' -f1)
	[ "$sum" = "$SHA" ] || fail "$1: $(stat -c %s "$1") bytes, sha256 $sum, not the file sent"
}

# peak_kb FILE: the maximum resident set size /usr/bin/time -v wrote to FILE.
peak_kb() {
	sed -nE 's/^[[:space:]]*Maximum resident set size \(kbytes\): ([0-9]+)$/\1/p' "$1"
}

# timed_sub: mqsub under /usr/bin/time -v (its report in $T/sub.time), for sub_bg.
timed_sub() {
	printf '#!/bin/sh\nexec /usr/bin/time -v -o "%s" "%s" "$@"\n' "$T/sub.time" "$MQSUB" > "$T/timed-sub"
	chmod +x "$T/timed-sub"
	SUB_CMD="$T/timed-sub"
}

@test "20 MB at QoS 0, 1, 2 with -f and -s (a file, a pipe) arrives byte-exact; no copy in mqpub -f, one in mqsub -N" {
	broker_start
	timed_sub
	local q how kb
	for c in 0:file 1:file 2:file 0:stdin 1:pipe 2:pipe; do
		q=${c%:*} how=${c#*:}
		sub_bg "$T/out" -t big/t -q "$q" -N -C 1 -W 30
		case $how in
		file) /usr/bin/time -v -o "$T/pub.time" timeout 30 "$MQPUB" -h 127.0.0.1 \
			-p "$BROKER_PORT" -q "$q" -t big/t -f "$BIG" ;;
		stdin) pub -q "$q" -t big/t -s < "$BIG" ;;
		pipe) cat "$BIG" | pub -q "$q" -t big/t -s ;;
		esac || fail "QoS $q $how: mqpub exit $?"
		wait_pid "$SUB_PID" 30 || fail "QoS $q $how: mqsub still waiting"
		[ "$WAIT_STATUS" -eq 0 ] || fail "QoS $q $how: mqsub exit $WAIT_STATUS: $(cat "$T/out.err")"
		got_big "$T/out"
		# mqsub -N: the reader's buffer holds the packet once, written
		# out from there (two copies would be 40960 kB)
		kb=$(peak_kb "$T/sub.time")
		(( kb < SIZE / 1024 * 3 / 2 )) || fail "QoS $q $how: mqsub peak RSS ${kb} kB: more than one copy"
		[ "$how" = file ] || continue
		# mqpub -f over TCP: sendfile leaves the file in the page cache
		kb=$(peak_kb "$T/pub.time")
		echo "# QoS $q: mqpub -f peak RSS ${kb} kB, mqsub -N $(peak_kb "$T/sub.time") kB, for $(( SIZE / 1024 )) kB" >&3
		(( kb < SIZE / 1024 / 2 )) || fail "QoS $q: mqpub peak RSS ${kb} kB, half the payload or more"
	done
}

@test "20 MB over TLS and over WebSocket: byte-exact, sent from the mapped file in pieces (no copy of it)" {
	local ws kb
	ws=$(free_port)
	tls_broker_start server.crt "listener $ws 127.0.0.1" "protocol websockets" || fail "no broker"
	for q in 0 1; do
		for how in tls ws; do
			sub_bg "$T/out" -t big/x -q "$q" -N -C 1 -W 30
			if [ "$how" = tls ]; then
				set -- -h localhost -p "$TLS_PORT" --cafile "$CERTS/ca.crt"
			else
				set -- -L "ws://127.0.0.1:$ws"
			fi
			/usr/bin/time -v -o "$T/pub.time" timeout 30 "$MQPUB" "$@" -q "$q" -t big/x \
				-f "$BIG" || fail "$how QoS $q: mqpub failed"
			wait_pid "$SUB_PID" 30 || fail "$how QoS $q: mqsub still waiting"
			got_big "$T/out"
			# the mapping's pages, read once; a copy would add 20480 kB
			kb=$(peak_kb "$T/pub.time")
			echo "# $how QoS $q: mqpub peak RSS ${kb} kB" >&3
			(( kb < SIZE / 1024 * 3 / 2 )) || fail "$how QoS $q: mqpub peak RSS ${kb} kB: a copy"
		done
	done
}

@test "QoS 1 and 2: the link cut inside a 4 MB payload, the re-send on the next link arrives byte-exact" {
	broker_start
	proxy_start
	local q part="$T/part" n=$(( 4 * 1024 * 1024 ))
	head -c "$n" "$BIG" > "$part"
	for q in 1 2; do
		sub_bg "$T/out" -t big/r -q "$q" -N -C 1 -W 40
		[[ $(ctl cut-after 1000000 c2s) == ok* ]] || fail "proxy would not arm"
		run --separate-stderr timeout 40 "$MQPUB" -h 127.0.0.1 -p "$PROXY_PORT" -c -i "big-r$q" \
			--reconnect-min 50 --reconnect-max 200 -q "$q" -t big/r -f "$part"
		[ "$status" -eq 0 ] || fail "QoS $q: mqpub exit $status: $stderr"
		[[ $stderr == *reconnect* ]] || fail "QoS $q: the link was not cut: $stderr"
		wait_pid "$SUB_PID" 30 || fail "QoS $q: mqsub still waiting"
		cmp -s "$part" "$T/out" || fail "QoS $q: $(stat -c %s "$T/out") bytes arrived, not the file sent"
		# the broker took it whole once, on the second link, as a re-send
		grep -qE "c2s PUBLISH qos=$q dup=1 .*len=$(( n + 10 )) fwd=1" "$T/proxy.log" ||
			fail "QoS $q: no whole DUP re-send in the proxy log: $(grep PUBLISH "$T/proxy.log" | tail -n 3)"
	done
}

@test "larger than the broker's maximum packet size (MQTT 5): one line, exit 6, nothing sent" {
	broker_start "max_packet_size 1000000"
	sub_bg "$T/out" -t big/m -q 1
	local from
	from=$(log_lines)
	run --separate-stderr pub -V 5 -q 1 -t big/m -f "$BIG"
	assert_failure 6
	assert_stderr_line mqpub "^mqpub: cannot publish to 'big/m': a payload of $SIZE bytes is larger than the broker's maximum packet size \(1000000 bytes\); nothing sent$"
	run --separate-stderr pub -V 5 -q 0 -t big/m -s < "$BIG"
	assert_failure 6
	assert_stderr_line mqpub "a payload of $SIZE bytes is larger than the broker's maximum packet size"
	# the broker saw two clients connect, and no PUBLISH from either
	tail -n +"$((from + 1))" "$BROKER_LOG" | grep -q 'New client connected' || fail "no client connected in the broker log"
	! tail -n +"$((from + 1))" "$BROKER_LOG" | grep -q 'Received PUBLISH' ||
		fail "a PUBLISH reached the broker: $(grep 'Received PUBLISH' "$BROKER_LOG" | tail -n 2)"
	rpub -q 1 -t big/m -m end
	wait_end "$T/out" "$SUB_PID" || fail "the end marker did not arrive"
	[ ! -s "$T/out" ] || fail "mqsub received $(stat -c %s "$T/out") bytes"
}

@test "a file larger than MQTT allows: exit 2 before connecting" {
	truncate -s 300M "$T/huge"
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p 1 -t big/h -f "$T/huge"
	assert_failure 2
	assert_stderr_line mqpub "^mqpub: cannot read '$T/huge': larger than the largest MQTT message$"
}
