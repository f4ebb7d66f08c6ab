#!/usr/bin/env bats
# mqpub against a real mosquitto; the receiving side is mosquitto_sub, an
# independent reference peer, so a failure here is mqpub's.

load helpers

setup() {
	common_setup
	broker_start
	export SUB_CMD=mosquitto_sub
}

teardown() {
	common_teardown
}

@test "-m: one message, payload byte-exact" {
	rsub_bg "$T/out" -t p/m -C 1 -F '%t|%l|%p'
	run --separate-stderr pub -t p/m -m 'héllo  wörld, two  spaces'
	assert_success
	sub_done 10
	assert_file_eq "$T/out" "p/m|$(printf '%s' 'héllo  wörld, two  spaces' | wc -c)|héllo  wörld, two  spaces
"
}

@test "-f: binary file as one message, sha256 equal on the subscriber side" {
	head -c 300000 /dev/urandom > "$T/blob"
	printf '\0\0\n\r\n\0' >> "$T/blob"
	rsub_bg "$T/out" -t p/f -C 1 -N
	run --separate-stderr pub -t p/f -f "$T/blob"
	assert_success
	sub_done 10
	assert_equal "$(stat -c %s "$T/out")" "$(stat -c %s "$T/blob")"
	assert_equal "$(sha "$T/out")" "$(sha "$T/blob")"
}

@test "-f: empty file is one empty message" {
	: > "$T/empty"
	rsub_bg "$T/out" -t p/fe -C 1 -F '%l|%p'
	run --separate-stderr pub -t p/fe -f "$T/empty"
	assert_success
	sub_done 10
	assert_file_eq "$T/out" "0|
"
}

@test "-s: all of stdin as one binary message, sha256 byte-exact" {
	head -c 200000 /dev/urandom > "$T/blob"
	printf '\0last line no newline' >> "$T/blob"
	rsub_bg "$T/out" -t p/s -C 1 -N
	run --separate-stderr pub -t p/s -s < "$T/blob"
	assert_success
	sub_done 10
	assert_equal "$(sha "$T/out")" "$(sha "$T/blob")"
}

@test "-l: one message per line; empty line sent empty; last line sent without newline" {
	printf 'one\n\nthree' > "$T/in"
	rsub_bg "$T/out" -t p/l -C 3 -F '%l|%p'
	run --separate-stderr pub -t p/l -l < "$T/in"
	assert_success
	sub_done 10
	assert_file_eq "$T/out" "3|one
0|
5|three
"
}

@test "-l: a final newline does not make an extra empty message" {
	printf 'a\nb\n' > "$T/in"
	rsub_bg "$T/out" -t p/l2 -C 3 -F '%l|%p'
	run --separate-stderr pub -t p/l2 -q 1 -l < "$T/in"
	assert_success
	rpub -t p/l2 -q 1 -m END
	sub_done 10
	assert_file_eq "$T/out" "1|a
1|b
3|END
"
}

@test "-n: one empty message" {
	rsub_bg "$T/out" -t p/n -C 1 -F '%l|%p'
	run --separate-stderr pub -t p/n -n
	assert_success
	sub_done 10
	assert_file_eq "$T/out" "0|
"
}

@test "-r: retained message reaches a later subscriber with the retain flag" {
	run --separate-stderr pub -t p/r -r -q 1 -m keep
	assert_success
	run --separate-stderr rsub -t p/r -C 1 -W 10 -F '%r|%p'
	assert_success
	assert_output "1|keep"
}

@test "-q 0/1/2: the broker receives PUBLISH at that QoS" {
	local q
	for q in 0 1 2; do
		run --separate-stderr pub -i "pubq$q" -t p/q -q "$q" -m "m$q"
		assert_success
		grep -qF "Received PUBLISH from pubq$q (d0, q$q," "$BROKER_LOG" ||
			fail "broker log has no QoS $q PUBLISH from pubq$q"
	done
	grep -qF "Received PUBREL from pubq2" "$BROKER_LOG" || fail "no PUBREL from pubq2: QoS 2 flow not completed"
}

@test "-q 1 and -q 2 deliver to a subscriber before mqpub exits" {
	rsub_bg "$T/out" -t p/qq -q 2 -C 2 -F '%q|%p'
	run --separate-stderr pub -t p/qq -q 1 -m one
	assert_success
	run --separate-stderr pub -t p/qq -q 2 -m two
	assert_success
	sub_done 10
	assert_file_eq "$T/out" "1|one
2|two
"
}

@test "-V 311 and -V 5 both work and use that protocol" {
	rsub_bg "$T/out" -t p/v -C 4
	run --separate-stderr pub -i pv311 -V 311 -t p/v -m a
	assert_success
	run --separate-stderr pub -i pv5 -V 5 -t p/v -m b
	assert_success
	run --separate-stderr pub -i pvm311 -V mqttv311 -t p/v -m c
	assert_success
	run --separate-stderr pub -i pvm5 -V mqttv5 -t p/v -m d
	assert_success
	sub_done 10
	grep -qE 'as pv311 \(p2,' "$BROKER_LOG" || fail "-V 311 did not connect with protocol 3.1.1 (mosquitto logs p2)"
	grep -qE 'as pv5 \(p5,' "$BROKER_LOG" || fail "-V 5 did not connect with protocol level 5"
	grep -qE 'as pvm311 \(p2,' "$BROKER_LOG" || fail "-V mqttv311 did not connect with protocol 3.1.1 (mosquitto logs p2)"
	grep -qE 'as pvm5 \(p5,' "$BROKER_LOG" || fail "-V mqttv5 did not connect with protocol level 5"
	assert_file_eq "$T/out" "a
b
c
d
"
}

@test "default protocol version is 5" {
	run --separate-stderr pub -i pdef -t p/d -m x
	assert_success
	grep -qE 'as pdef \(p5,' "$BROKER_LOG" || fail "default connection is not MQTT 5: $(grep pdef "$BROKER_LOG")"
}

@test "-L mqtt://host:port/topic sets host, port and topic" {
	rsub_bg "$T/out" -t url/topic/x -C 1 -F '%t %p'
	run --separate-stderr timeout 30 "$MQPUB" -L "mqtt://127.0.0.1:$BROKER_PORT/url/topic/x" -m viaurl
	assert_success
	sub_done 10
	assert_file_eq "$T/out" "url/topic/x viaurl
"
}

@test "-i sets the client id; -I sets PREFIX + process id; default is mqpub-<hex>" {
	run --separate-stderr pub -i my-client-42 -t p/i -m x
	assert_success
	grep -qF 'as my-client-42 (' "$BROKER_LOG" || fail "client id my-client-42 not seen by the broker"

	"$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -I pfx- -t p/i -m y 3>&- &
	local pid=$!
	wait_pid "$pid" 20 || fail "mqpub -I did not finish"
	assert_equal "$WAIT_STATUS" 0
	grep -qF "as pfx-$pid (" "$BROKER_LOG" || fail "client id pfx-$pid not seen: $(grep 'as pfx' "$BROKER_LOG")"

	run --separate-stderr pub -t p/i -m z
	assert_success
	grep -qE 'as mqpub-[0-9a-fA-F]+ \(' "$BROKER_LOG" || fail "no default mqpub-<hex> id in broker log"
}

@test "-k sets the keepalive the broker sees (30, 0)" {
	run --separate-stderr pub -i pk30 -k 30 -t p/k -m x
	assert_success
	run --separate-stderr pub -i pk0 -k 0 -t p/k -m x
	assert_success
	run --separate-stderr pub -i pkdef -t p/k -m x
	assert_success
	grep -qE 'as pk30 \(p[25], c[01], k30\)' "$BROKER_LOG" || fail "keepalive 30 not sent"
	grep -qE 'as pk0 \(p[25], c[01], k0\)' "$BROKER_LOG" || fail "keepalive 0 not sent"
	grep -qE 'as pkdef \(p[25], c[01], k60\)' "$BROKER_LOG" || fail "default keepalive is not 60"
}

@test "-c -i: connects with clean session off" {
	run --separate-stderr pub -c -i pclean -q 1 -t p/c -m x
	assert_success
	grep -qE 'as pclean \(p5, c0,' "$BROKER_LOG" || fail "-c did not clear the clean-start flag"
	run --separate-stderr pub -i pclean2 -t p/c -m x
	assert_success
	grep -qE 'as pclean2 \(p5, c1,' "$BROKER_LOG" || fail "without -c clean start should be set"
}

@test "-d: packet trace with CONNECT, CONNACK, PUBLISH on stderr" {
	run --separate-stderr pub -d -t p/dbg -q 1 -m x
	assert_success
	assert_stderr_match 'CONNECT'
	assert_stderr_match 'CONNACK'
	assert_stderr_match 'PUBLISH'
	assert_stderr_match 'PUBACK'
}

@test "without -d a successful publish is silent" {
	run --separate-stderr pub -t p/quiet -q 1 -m x
	assert_success
	assert_stderr_empty
	assert_output ''
}

@test "--will-* flags are accepted by mqpub and the message still goes out" {
	rsub_bg "$T/out" -t p/w -C 1
	run --separate-stderr pub -t p/w -m body --will-topic p/will --will-payload gone --will-qos 1 --will-retain
	assert_success
	sub_done 10
	assert_file_eq "$T/out" "body
"
	grep -qF 'Will message specified' "$BROKER_LOG" || fail "broker saw no will in CONNECT"
}

@test "--max-inflight 1: 200 QoS 1 lines all delivered in order" {
	seq 200 > "$T/in"
	rsub_bg "$T/out" -t p/mi -q 1 -C 200
	run --separate-stderr pub -t p/mi -q 1 --max-inflight 1 -l < "$T/in"
	assert_success
	sub_done 20
	cmp "$T/out" "$T/in" || fail "subscriber output differs from the 200 lines sent"
}

@test "unreachable port: exit 1 at once with a one-line message" {
	local port start el
	port=$(free_port)
	start=$(now_ms)
	run --separate-stderr timeout 20 "$MQPUB" -h 127.0.0.1 -p "$port" -t p/x -m x
	el=$(( $(now_ms) - start ))
	assert_failure 1
	assert_stderr_line mqpub 'refused'
	(( el < 5000 )) || fail "took ${el} ms to give up on a refused connection (initial failure is not retried)"
}

@test "mqpub -q 1 to a topic the broker refuses (PUBACK 0x87, MQTT 5): exit 6" {
	local lines
	dynsec_plugin >/dev/null || skip "no mosquitto dynamic security plugin"
	mapfile -t lines < <(make_dynsec)
	broker_stop
	broker_start "${lines[@]}"
	run --separate-stderr pub -V 5 -q 1 -t ro/x -m denied
	assert_failure 6
	assert_stderr_line mqpub '(^|[^0-9])1([^0-9]|$)'
	run --separate-stderr pub -V 5 -q 1 -t rw/x -m allowed
	assert_success
}

@test "mqpub -q 2 to a topic the broker refuses (PUBREC 0x87, MQTT 5): exit 6" {
	local lines
	dynsec_plugin >/dev/null || skip "no mosquitto dynamic security plugin"
	mapfile -t lines < <(make_dynsec)
	broker_stop
	broker_start "${lines[@]}"
	printf 'a\nb\nc\n' > "$T/in"
	run --separate-stderr pub -V 5 -q 2 -t ro/x -l < "$T/in"
	assert_failure 6
	assert_stderr_line mqpub '(^|[^0-9])3([^0-9]|$)'
}

@test "-W: no CONNACK from a silent server: exit 5 in about SECS" {
	local start el
	fake_broker silent
	start=$(now_ms)
	run --separate-stderr timeout 20 "$MQPUB" -h 127.0.0.1 -p "$FAKE_PORT" -W 1 -t p/x -m x
	el=$(( $(now_ms) - start ))
	assert_failure 5
	assert_stderr_line mqpub
	(( el >= 900 && el < 4000 )) || fail "-W 1 ended after ${el} ms"
}

@test "-W: QoS 1 never acknowledged: exit 5" {
	fake_broker noack
	run --separate-stderr timeout 20 "$MQPUB" -h 127.0.0.1 -p "$FAKE_PORT" -W 1 -q 1 -t p/x -m x
	assert_failure 5
	assert_stderr_line mqpub
}

@test "-W: generous timeout with a working broker: exit 0" {
	run --separate-stderr pub -W 10 -q 2 -t p/x -m x
	assert_success
}

@test "PINGRESP instead of CONNACK: exit 1 (protocol error)" {
	fake_broker pingresp
	run --separate-stderr timeout 20 "$MQPUB" -h 127.0.0.1 -p "$FAKE_PORT" -t p/x -m x
	assert_failure 1
	assert_stderr_line mqpub
}

@test "reserved packet type from the server: exit 1 (malformed packet)" {
	fake_broker garbage
	run --separate-stderr timeout 20 "$MQPUB" -h 127.0.0.1 -p "$FAKE_PORT" -t p/x -m x
	assert_failure 1
	assert_stderr_line mqpub
}

@test "5-byte remaining length from the server: exit 1 (malformed packet)" {
	fake_broker oversize
	run --separate-stderr timeout 20 "$MQPUB" -h 127.0.0.1 -p "$FAKE_PORT" -t p/x -m x
	assert_failure 1
	assert_stderr_line mqpub
}

@test "CONNACK refused by the server (3.1.1 and 5): exit 3 with the reason" {
	fake_broker refuse
	run --separate-stderr timeout 20 "$MQPUB" -h 127.0.0.1 -p "$FAKE_PORT" -V 5 -t p/x -m x
	assert_failure 3
	assert_stderr_line mqpub 'not authori[sz]ed'
	run --separate-stderr timeout 20 "$MQPUB" -h 127.0.0.1 -p "$FAKE_PORT" -V 311 -t p/x -m x
	assert_failure 3
	assert_stderr_line mqpub 'not authori[sz]ed'
}

@test "payloads and topics that look like secrets arrive byte-exact (only the real secret is wiped)" {
	local n=0 topic payload
	# Every option spelling and URL shape the password wipe once matched.
	local -a payloads=(
		'-Pressure 1013hPa'
		'{"url":"https://user:token@example.com/x"}'
		'--pw=abc'
		'--pw'
		'-vPsecret'
		'--psk=00ff'
		'mqtt://u:p@h/x'
		'-P'
	)
	local -a topics=('w/x://u:p@h' 'w/-Pfoo' 'w/--pw=x' 'w/--psk' 'w/a:b@c')
	rsub_bg "$T/out" -t 'w/#' -C $(( ${#payloads[@]} * 2 + ${#topics[@]} )) -v
	for payload in "${payloads[@]}"; do
		pub -u bob -P hunter2 -t w/p -m "$payload" || fail "mqpub -P failed for '$payload'"
		pub -u bob -rPhunter2 -t w/q -m "$payload" || fail "mqpub -rP failed for '$payload'"
		printf 'w/p %s\nw/q %s\n' "$payload" "$payload" >> "$T/want"
	done
	for topic in "${topics[@]}"; do
		pub -L "mqtt://bob:hunter2@127.0.0.1:$BROKER_PORT/$topic" -m "$topic" || fail "mqpub -L failed for '$topic'"
		printf '%s %s\n' "$topic" "$topic" >> "$T/want"
	done
	sub_done 10
	diff -u "$T/want" "$T/out" || fail "published bytes differ from what was given"
	# The retained copies must be cleared for later tests on this broker.
	pub -t w/q -r -n
}

@test "-l and -s with standard input closed: exit 2 at once, nothing published (was: hung)" {
	local mode
	rsub_bg "$T/out" -t p/closed -W 3
	for mode in -l -s; do
		run --separate-stderr bash -c 'exec "$@" <&-' _ timeout 10 "$MQPUB" \
			-h 127.0.0.1 -p "$BROKER_PORT" -t p/closed "$mode"
		[ "$status" -ne 124 ] || fail "mqpub $mode hung with stdin closed"
		assert_failure 2
		assert_stderr_line mqpub 'standard input is closed'
	done
	wait_pid "$SUB_PID" 10 || true
	[ ! -s "$T/out" ] || fail "something was published: $(cat "$T/out")"
}

@test "a message over the broker's size limit: exit 6 naming the likely cause, not ten reconnects (3.1.1); refused before sending (5)" {
	broker_start "max_packet_size 1000"
	local big start el
	big=$(head -c 2000 /dev/zero | tr '\0' x)
	rsub_bg "$T/out" -t p/big -q 1
	start=$(now_ms)
	run --separate-stderr pub -V 311 -q 1 -t p/big -m "$big"
	el=$(( $(now_ms) - start ))
	assert_failure 6
	# the notices of the first loss and of the reconnect, then the verdict
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 3 ] || fail "stderr: $stderr"
	[[ $(tail -n 1 <<<"$stderr") =~ ^mqpub:\ the\ broker\ closed\ the\ connection\ twice\ right\ after\ a\ message\ of\ [0-9]+\ bytes:\ message\ too\ large\ for\ the\ broker\?\;\ 1\ of\ 1\ message\ not\ acknowledged$ ]] ||
		fail "stderr: $stderr"
	(( el < 10000 )) || fail "took ${el} ms"
	# the small ones before it are delivered
	printf 'one\ntwo\n%s\nfour\n' "$big" > "$T/in"
	run --separate-stderr pub -V 311 -q 1 -t p/big -l < "$T/in"
	assert_failure 6
	# MQTT 5: the broker says its limit in CONNACK; nothing is sent
	run --separate-stderr pub -V 5 -q 1 -t p/big -m "$big"
	assert_failure 6
	assert_stderr_line mqpub "cannot publish to 'p/big': a payload of 2000 bytes is larger than the broker's maximum packet size \(1000 bytes\); nothing sent"
	rpub -q 1 -t p/big -m end
	wait_end "$T/out" "$SUB_PID" || fail "the end marker did not arrive"
	# (QoS 1: a line whose PUBACK was lost with the link may come twice)
	[ "$(sort -u "$T/out")" = "$(printf 'one\ntwo')" ] || fail "delivered: $(cat "$T/out")"
}

@test "a server that is not MQTT (HTTP): exit 1, naming what it sent" {
	"$PYTHON" -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    c.recv(4096)
    c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    c.close()
' > "$T/http.port" &
	bg_track $!
	for _ in $(seq 100); do [ -s "$T/http.port" ] && break; sleep 0.05; done
	run --separate-stderr timeout 20 "$MQPUB" -h 127.0.0.1 -p "$(cat "$T/http.port")" -t a -m x
	assert_failure 1
	assert_stderr_line mqpub "is this an MQTT port\? the server sent 'HTTP/1.1 400 Bad Request'"
}

@test "-W against a silent server names the stage and the host" {
	fake_broker silent
	run --separate-stderr timeout 20 "$MQPUB" -h 127.0.0.1 -p "$FAKE_PORT" -W 1 -t p/x -m x
	assert_failure 5
	assert_stderr_line mqpub "^mqpub: timed out waiting for CONNACK from 127.0.0.1:$FAKE_PORT\$"
}

@test "-A binds the outgoing connection: the broker sees 127.0.0.2; an address not on this host is an error naming it" {
	run --separate-stderr pub -A 127.0.0.2 -q 1 -t p/bind -m x
	assert_success
	grep -q 'New connection from 127.0.0.2' "$BROKER_LOG" || fail "broker log: $(grep 'New connection' "$BROKER_LOG")"
	run --separate-stderr pub --bind-address 127.0.0.3 -q 1 -t p/bind -m x
	assert_success
	grep -q 'New connection from 127.0.0.3' "$BROKER_LOG" || fail "--bind-address not used"
	# ::2 is no address of this host: bind() fails here, nothing is sent
	run --separate-stderr timeout 10 "$MQPUB" -h ::1 -p "$BROKER_PORT" -A ::2 -t p/bind -m x
	assert_failure 1
	assert_stderr_line mqpub 'cannot bind to ::2: '
}
