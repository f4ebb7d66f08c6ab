#!/usr/bin/env bats
# MQTT over WebSocket: ws:// and wss:// against a real broker that has a
# WebSocket listener -- aedes behind the ws package, from npm, pinned in
# tests/ws/package.json (Debian's mosquitto 2.0.11 is built without
# WebSocket support).  What a real broker does not do (malformed frames,
# closes, bad handshakes, fragments and pings) is in the hostile suite:
# tests/hostile/cases_ws.py, run by hostile.bats.
# aedes speaks MQTT 3.1.1 only: every run here also goes through the
# fall back from MQTT 5.

load helpers

WS_DIR="$BATS_TEST_DIRNAME/../ws"

setup_file() {
	# npm ci from the lock file: pinned versions, reproducible
	if [ ! -d "$WS_DIR/node_modules/aedes" ] || [ ! -d "$WS_DIR/node_modules/ws" ]; then
		(cd "$WS_DIR" && timeout 300 npm ci --no-audit --no-fund --silent) >&3 2>&1 ||
			{ echo "npm ci failed in tests/ws" >&3; return 1; }
	fi
}

setup() {
	common_setup
	broker_start
}

teardown() {
	common_teardown
}

# ws_start [ARGS...]: aedes over WebSocket on 127.0.0.1; sets WS_PORT,
# WS_PID and WS_LOG (its own log: a test may run two).  ARGS: --port N,
# --tls CERT KEY, --token T.
ws_start() {
	WS_N=$(( ${WS_N:-0} + 1 ))
	WS_LOG="$T/ws.$WS_N.log"
	rm -f "$T/ws.port"
	node "$WS_DIR/broker.mjs" "$T/ws.port" "$@" > "$WS_LOG" 2>&1 &
	WS_PID=$!
	bg_track "$WS_PID"
	local start end
	start=$(now_ms)
	end=$(( start + 15000 ))
	until [ -s "$T/ws.port" ]; do
		alive "$WS_PID" || fail "the WebSocket broker died: $(cat "$WS_LOG")"
		(( $(now_ms) < end )) || fail "the WebSocket broker did not start in 15 s"
		sleep 0.05
	done
	WS_PORT=$(cat "$T/ws.port")
	echo "# aedes over WebSocket started in $(( $(now_ms) - start )) ms" >&3
}

wpub() { timeout 60 "$MQPUB" "$@"; }

# ws_subscribed LOG FILTER PID: wait (20 s) until the aedes behind LOG
# holds a subscription to FILTER; fails early if the subscriber PID dies.
ws_subscribed() {
	local log=$1 filter=$2 pid=$3 end
	end=$(( $(now_ms) + 20000 ))
	until grep -qE "^subscribed [^ ]+ $filter\$" "$log"; do
		alive "$pid" || { echo "ws_subscribed: subscriber $pid exited" >&2; return 1; }
		(( $(now_ms) < end )) || { echo "ws_subscribed: no $filter in $log within 20 s" >&2; return 1; }
		sleep 0.02
	done
}

# ws_stream URL [ARGS]: QoS 0, 1 and 2 streams of 10,000 lines from mqpub
# to mqsub, both over the WebSocket URL; every line arrives, in order.
ws_stream() {
	local url=$1 q
	shift
	seq 10000 > "$T/in"
	for q in 0 1 2; do
		"$MQSUB" -L "$url" "$@" -q "$q" -t "ws/$q" -C 10000 > "$T/out$q" 2> "$T/err$q" &
		local sub=$!
		bg_track "$sub"
		ws_subscribed "$WS_LOG" "ws/$q" "$sub" || fail "QoS $q: no subscription: $(cat "$T/err$q")"
		wpub -L "$url" "$@" -q "$q" -t "ws/$q" -l < "$T/in" || fail "QoS $q: publish failed"
		wait_pid "$sub" 30 || fail "QoS $q: got $(wc -l < "$T/out$q") of 10000; $(cat "$T/err$q")"
		[ "$WAIT_STATUS" -eq 0 ] || fail "QoS $q: mqsub exit $WAIT_STATUS: $(cat "$T/err$q")"
		cmp -s "$T/in" "$T/out$q" || fail "QoS $q: lines lost, repeated or reordered"
	done
}

@test "ws://: QoS 0, 1, 2 streams of 10,000 lines, lossless and in order" {
	ws_start
	ws_stream "ws://127.0.0.1:$WS_PORT/mqtt"
}

@test "ws://: a 1 MB binary payload byte-exact, the default path /mqtt" {
	ws_start
	head -c 1048576 /dev/urandom > "$T/blob"
	"$MQSUB" -L "ws://127.0.0.1:$WS_PORT" -t ws/bin -q 1 -C 1 -N > "$T/out" 2> "$T/err" &
	local sub=$!
	bg_track "$sub"
	ws_subscribed "$WS_LOG" ws/bin "$sub" || fail "no subscription: $(cat "$T/err")"
	wpub -L "ws://127.0.0.1:$WS_PORT" -t ws/bin -q 1 -f "$T/blob" || fail "publish failed"
	wait_pid "$sub" 20 || fail "nothing arrived: $(cat "$T/err")"
	cmp "$T/blob" "$T/out" || fail "payload differs"
}

@test "wss://: TLS verified as without WebSocket; an unknown CA is exit 4" {
	CERTS="$T/certs"
	timeout 120 "$BATS_TEST_DIRNAME/gen-certs.sh" "$CERTS" > /dev/null
	ws_start --tls "$CERTS/server.crt" "$CERTS/server.key"
	ws_stream "wss://localhost:$WS_PORT/mqtt" --cafile "$CERTS/ca.crt"
	run --separate-stderr wpub -L "wss://localhost:$WS_PORT/mqtt" --cafile "$CERTS/evil-ca.crt" -t a -m x
	assert_failure 4
}

@test "ws://: a broker restart mid-stream: mqpub reconnects and loses no QoS 1 line" {
	local port
	port=$(free_port)
	ws_start --port "$port"
	seq 3000 > "$T/in"
	"$MQSUB" -L "ws://127.0.0.1:$port/mqtt" -c -i ws-keep -q 1 -t ws/r --reconnect-min 100 \
		> "$T/out" 2> "$T/err" &
	local sub=$!
	bg_track "$sub"
	ws_subscribed "$WS_LOG" ws/r "$sub" || fail "no subscription: $(cat "$T/err")"
	(while read -r l; do echo "$l"; [ "$l" = 1500 ] && sleep 1; done < "$T/in") |
		"$MQPUB" -L "ws://127.0.0.1:$port/mqtt" -c -i ws-pub -q 1 -t ws/r -l --reconnect-min 100 \
		2> "$T/pub.err" &
	local pub=$!
	bg_track "$pub"
	wait_for_lines "$T/out" 1400 20 || fail "stream did not start: $(cat "$T/err")"
	kill "$WS_PID"
	wait_pid "$WS_PID" 5 || true
	ws_start --port "$port"   # aedes keeps no sessions: both resubscribe
	wait_pid "$pub" 40 || fail "mqpub still running: $(cat "$T/pub.err")"
	[ "$WAIT_STATUS" -eq 0 ] || fail "mqpub exit $WAIT_STATUS: $(cat "$T/pub.err")"
	grep -q 'reconnected to 127.0.0.1:'"$port"'/mqtt (WebSocket)' "$T/pub.err" || fail "stderr: $(cat "$T/pub.err")"
	# what reached the broker after the restart reached mqsub
	wait_for_lines "$T/out" 2800 20 || true
	[ "$(tail -n 1 "$T/out")" = 3000 ] || fail "last line $(tail -n 1 "$T/out"); $(wc -l < "$T/out") lines"
}

@test "--ws-header carries a token; without it the 401 is exit 3; --ws-path; a 404 is exit 1" {
	ws_start --token s3cr3t
	run --separate-stderr wpub -L "ws://127.0.0.1:$WS_PORT/mqtt" -t a -m x
	assert_failure 3
	assert_stderr_line mqpub 'WebSocket handshake refused: HTTP/1.1 401 Unauthorized'
	run --separate-stderr wpub -L "ws://127.0.0.1:$WS_PORT/mqtt" --ws-header 'Authorization: Bearer s3cr3t' -t a -m x -q 1
	assert_success
	run --separate-stderr wpub -L "ws://127.0.0.1:$WS_PORT/x" --ws-path /other \
		--ws-header 'Authorization: Bearer s3cr3t' -t a -m x -q 1
	assert_success
	run --separate-stderr wpub -L "ws://127.0.0.1:$WS_PORT/nowhere" --ws-header 'Authorization: Bearer s3cr3t' -t a -m x
	assert_failure 1
	assert_stderr_line mqpub 'did not switch protocols \(HTTP/1.1 404 Not Found\)'
	run --separate-stderr wpub -t a -m x --ws-path /x
	assert_failure 2
	run --separate-stderr wpub -L "ws://127.0.0.1:$WS_PORT/mqtt" --ws-header 'no colon' -t a -m x
	assert_failure 2
}

@test "ws:// through SOCKS5 (microsocks) and wss:// through HTTP CONNECT (tinyproxy)" {
	CERTS="$T/certs"
	timeout 120 "$BATS_TEST_DIRNAME/gen-certs.sh" "$CERTS" > /dev/null
	ws_start
	local plain=$WS_PORT plainlog=$WS_LOG
	ws_start --tls "$CERTS/server.crt" "$CERTS/server.key"
	local tls=$WS_PORT tlslog=$WS_LOG socks http
	socks=$(free_port)
	microsocks -i 127.0.0.1 -p "$socks" > "$T/socks.log" 2>&1 &
	bg_track $!
	http=$(free_port)
	printf 'Port %s\nListen 127.0.0.1\nAllow 127.0.0.1\nTimeout 60\n' "$http" > "$T/tinyproxy.conf"
	tinyproxy -d -c "$T/tinyproxy.conf" > "$T/tinyproxy.log" 2>&1 &
	bg_track $!
	for _ in $(seq 250); do port_open "$socks" && port_open "$http" && break; sleep 0.02; done
	seq 1000 > "$T/in"
	local url proxy tlsopt log
	for url in "ws://127.0.0.1:$plain/mqtt socks5://127.0.0.1:$socks $plainlog" \
		   "wss://localhost:$tls/mqtt http://127.0.0.1:$http $tlslog"; do
		read -r url proxy log <<<"$url"
		tlsopt=()
		[[ $url == wss* ]] && tlsopt=(--cafile "$CERTS/ca.crt")
		"$MQSUB" -L "$url" "${tlsopt[@]}" --proxy "$proxy" -q 1 -t px/s -C 1000 > "$T/out" 2> "$T/err" &
		local sub=$!
		bg_track "$sub"
		ws_subscribed "$log" px/s "$sub" || fail "$url via $proxy: no subscription: $(cat "$T/err")"
		wpub -L "$url" "${tlsopt[@]}" --proxy "$proxy" -q 1 -t px/s -l < "$T/in" ||
			fail "publish through $proxy failed"
		wait_pid "$sub" 20 || fail "$url via $proxy: got $(wc -l < "$T/out") of 1000: $(cat "$T/err")"
		cmp -s "$T/in" "$T/out" || fail "$url via $proxy: lines differ"
	done
}
