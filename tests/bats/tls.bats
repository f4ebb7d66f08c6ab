#!/usr/bin/env bats
# TLS end to end against a private mosquitto: verification on by default and
# its failures (exit 4, the cause in words, nothing published), --insecure,
# --tls-servername, client certificates, PSK, pinning, reconnect, hostile
# servers.  Certificates are made at test time by gen-certs.sh.  Every
# broker listens on 127.0.0.1 only; every wait is bounded.

load helpers
load tls_helpers

setup_file() {
	tls_setup_file
}

setup() {
	common_setup
}

teardown() {
	common_teardown
}

# round_trip QOS: mqsub over TLS receives what mqpub over TLS sends.
round_trip() {
	sub_bg "$T/out" -p "$TLS_PORT" --cafile "$CERTS/ca.crt" -t tls/q -q "$1" -C 2
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" -t tls/q -q "$1" -m "hello $1"
	assert_success
	assert_stderr_empty
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" -t tls/q -q "$1" -m "again $1"
	assert_success
	wait_pid "$SUB_PID" 10 || fail "subscriber did not get 2 messages: $(cat "$T/out.err")"
	[ "$WAIT_STATUS" -eq 0 ] || fail "subscriber exit $WAIT_STATUS: $(cat "$T/out.err")"
	assert_file_eq "$T/out" "hello $1
again $1
"
}

@test "good chain: round trip at QoS 0" {
	tls_broker_start server.crt
	round_trip 0
}

@test "good chain: round trip at QoS 1" {
	tls_broker_start server.crt
	round_trip 1
}

@test "good chain: round trip at QoS 2" {
	tls_broker_start server.crt
	round_trip 2
}

@test "good chain: a large payload crosses several TLS records both ways" {
	tls_broker_start server.crt
	head -c 200000 /dev/urandom > "$T/big"
	sub_bg "$T/out" -p "$TLS_PORT" --cafile "$CERTS/ca.crt" -t tls/big -q 1 -C 1 -N
	run tpub --cafile "$CERTS/ca.crt" -t tls/big -q 1 -f "$T/big"
	assert_success
	wait_pid "$SUB_PID" 10 || fail "subscriber got nothing"
	[ "$(sha "$T/out")" = "$(sha "$T/big")" ] || fail "payload differs"
}

@test "good chain: a burst of 2000 messages reaches a TLS subscriber intact" {
	tls_broker_start server.crt
	seq 1 2000 > "$T/lines"
	sub_bg "$T/out" -p "$TLS_PORT" --cafile "$CERTS/ca.crt" -t tls/burst -C 2000
	rpub -t tls/burst -l < "$T/lines"
	wait_pid "$SUB_PID" 20 || fail "subscriber got $(wc -l < "$T/out") of 2000"
	cmp "$T/lines" "$T/out" || fail "messages differ"
}

@test "good chain: mqpub -l -q 1 pushes 20000 lines (20 MB) through TLS intact" {
	tls_broker_start server.crt
	python3 -c '
import sys
for i in range(20000):
    sys.stdout.write("%06d %s\n" % (i, "x" * 1000))' > "$T/lines"
	sub_bg "$T/out" -t tls/flood -C 20000
	run --separate-stderr timeout 60 "$MQPUB" -h 127.0.0.1 -p "$TLS_PORT" \
		--cafile "$CERTS/ca.crt" -t tls/flood -q 1 -l < "$T/lines"
	assert_success
	wait_pid "$SUB_PID" 30 || fail "subscriber got $(wc -l < "$T/out") of 20000"
	cmp "$T/lines" "$T/out" || fail "messages differ"
}

@test "short reads and writes: EAGAIN injected into every 2nd/3rd recv and send" {
	command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null ||
		skip "strace not usable here"
	tls_broker_start server.crt
	local from
	head -c 3000000 /dev/urandom > "$T/big"
	from=$(log_lines)
	strace -f -o /dev/null -e trace=recvfrom -e inject=recvfrom:error=EAGAIN:when=3+2 \
		timeout 60 "$MQSUB" -h 127.0.0.1 -p "$TLS_PORT" --cafile "$CERTS/ca.crt" \
		-t tls/eagain -q 2 -C 2 -N >"$T/out" 2>"$T/out.err" 3>&- &
	SUB_PID=$!
	bg_track "$SUB_PID"
	wait_subscribed "$from" "$SUB_PID" tls/eagain
	run strace -f -o /dev/null -e trace=sendto -e inject=sendto:error=EAGAIN:when=4+3 \
		timeout 60 "$MQPUB" -h 127.0.0.1 -p "$TLS_PORT" --cafile "$CERTS/ca.crt" \
		-t tls/eagain -q 1 -f "$T/big"
	assert_success
	run strace -f -o /dev/null -e trace=sendto -e inject=sendto:error=EAGAIN:when=2+2 \
		timeout 60 "$MQPUB" -h 127.0.0.1 -p "$TLS_PORT" --cafile "$CERTS/ca.crt" \
		-t tls/eagain -q 2 -f "$T/big"
	assert_success
	wait_pid "$SUB_PID" 30 || fail "subscriber did not get both: $(cat "$T/out.err")"
	cat "$T/big" "$T/big" | cmp - "$T/out" || fail "payloads differ"
}

@test "-d shows the negotiated TLS version and cipher suite" {
	tls_broker_start server.crt
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" -t tls/d -m x -d
	assert_success
	assert_stderr_match '^mqpub: TLS TLSv1\.2 TLS-[A-Z0-9-]+-WITH-[A-Z0-9-]+'
}

@test "mqtts:// URL: TLS with the CA file" {
	tls_broker_start server.crt
	run --separate-stderr timeout 30 "$MQPUB" -L "mqtts://127.0.0.1:$TLS_PORT/tls/url" \
		--cafile "$CERTS/ca.crt" -m x -d
	assert_success
	assert_stderr_match 'TLS TLSv1\.2'
}

# refused CERT REGEX: a publish over TLS to a broker serving CERT exits 4
# with REGEX on stderr, and nothing reaches the broker.
refused() {
	tls_broker_start "$1"
	witness_start
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" -t bad/x -m leaked
	assert_failure 4
	assert_stderr_line mqpub "$2"
	witness_nothing
}

@test "wrong name: exit 4, 'does not match', nothing published" {
	refused wrong.crt "name '127\.0\.0\.1' does not match the certificate"
}

@test "expired certificate: exit 4, 'has expired', nothing published" {
	refused expired.crt "certificate has expired"
}

@test "not yet valid certificate: exit 4, 'not yet valid', nothing published" {
	refused future.crt "certificate is not yet valid"
}

@test "untrusted CA: exit 4, 'unknown CA', nothing published" {
	refused untrusted.crt "unknown CA \(certificate not trusted\)"
}

@test "untrusted CA sending its chain: still refused" {
	refused untrusted.chain.pem "unknown CA \(certificate not trusted\)"
}

@test "self-signed certificate: exit 4, 'self-signed', nothing published" {
	refused selfsigned.crt "self-signed certificate not trusted"
}

@test "mqsub is refused the same way (exit 4, no subscription made)" {
	tls_broker_start expired.crt
	run --separate-stderr tsub --cafile "$CERTS/ca.crt" -t bad/# -E
	assert_failure 4
	assert_stderr_line mqsub "certificate has expired"
	run grep -c 'Sending SUBACK' "$BROKER_LOG"
	assert_output 0
}

@test "verification is on by default: no --cafile means the system CAs, which refuse the test CA" {
	tls_broker_start server.crt
	run --separate-stderr tpub --tls -t bad/x -m x
	assert_failure 4
	assert_stderr_line mqpub "unknown CA|cannot read CA file"
}

@test "--cafile that cannot be read: exit 2 naming the file, before connecting or spooling" {
	tls_broker_start server.crt
	run --separate-stderr tpub --cafile "$T/nope.crt" -t bad/x -m x
	assert_failure 2
	assert_stderr_line mqpub "cannot read CA file '.*nope\.crt': No such file"
	# a bad option is not a broker that is down: nothing is queued
	run --separate-stderr tpub --cafile "$T/nope.crt" -t bad/x -m x -q 1 --spool "$T/spool"
	assert_failure 2
	assert_stderr_line mqpub "cannot read CA file"
	[ -z "$(ls -A "$T/spool" 2>/dev/null)" ] || fail "spooled: $(ls "$T/spool")"
	echo "not a certificate" > "$T/bad.crt"
	run --separate-stderr tsub --cafile "$T/bad.crt" -t bad/x
	assert_failure 2
	assert_stderr_line mqsub "cannot read CA file '.*bad\.crt'"
}

@test "--capath: a directory holding the CA verifies the broker" {
	tls_broker_start server.crt
	mkdir "$T/cas"
	cp "$CERTS/ca.crt" "$T/cas/"
	run --separate-stderr tpub --capath "$T/cas" -t tls/x -m x
	assert_success
}

@test "--insecure accepts every bad certificate and says so under -d" {
	local c
	tls_broker_start expired.crt
	for c in future.crt wrong.crt untrusted.crt selfsigned.crt expired.crt; do
		sub_bg "$T/out.$c" -t ins/x -C 1
		run --separate-stderr tpub --insecure -t ins/x -m "via $c" -d
		assert_success
		assert_stderr_match 'not verified: --insecure'
		wait_pid "$SUB_PID" 10 || fail "$c: nothing delivered"
		assert_file_eq "$T/out.$c" "via $c
"
		tls_broker_swap "$c"
	done
}

@test "--insecure prints a warning on stderr" {
	tls_broker_start selfsigned.crt
	run --separate-stderr tpub --insecure -t ins/x -m x
	assert_success
	assert_stderr_match 'warning.*insecure|insecure.*warning|not verif'
}

@test "--tls-servername localhost with -h 127.0.0.1, certificate without the IP" {
	tls_broker_start server-noip.crt
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" -t tls/x -m x
	assert_failure 4
	assert_stderr_line mqpub "name '127\.0\.0\.1' does not match"
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" --tls-servername localhost -t tls/x -m x
	assert_success
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" --tls-servername wrong.example -t tls/x -m x
	assert_failure 4
	assert_stderr_line mqpub "name 'wrong\.example' does not match"
}

@test "-h localhost is checked against the DNS name" {
	tls_broker_start server-noip.crt
	# localhost may resolve to ::1 first; the TCP connect tries every address.
	run --separate-stderr timeout 30 "$MQPUB" -h localhost -p "$TLS_PORT" \
		--cafile "$CERTS/ca.crt" -t tls/x -m x
	assert_success
	tls_broker_swap wrong.crt
	run --separate-stderr timeout 30 "$MQPUB" -h localhost -p "$TLS_PORT" \
		--cafile "$CERTS/ca.crt" -t tls/x -m x
	assert_failure 4
	assert_stderr_line mqpub "name 'localhost' does not match"
}

@test "require_certificate: accepted with --cert/--key, refused without (exit 4)" {
	tls_broker_start server.crt "require_certificate true"
	witness_start
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" -t cc/x -m leaked
	assert_failure 4
	# mosquitto (OpenSSL) answers with a handshake_failure alert.
	assert_stderr_line mqpub "handshake failed: .*(handshake failure|certificate required).*client certificate"
	witness_nothing
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" \
		--cert "$CERTS/client.crt" --key "$CERTS/client.key" -t cc/x -m with-cert
	assert_success
	wait_for_lines "$T/witness" 2 10
	assert_file_eq "$T/witness" "witness/end end
cc/x with-cert
"
}

@test "encrypted client key: right password works, wrong or none is exit 2" {
	tls_broker_start server.crt "require_certificate true"
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" --cert "$CERTS/client.crt" \
		--key "$CERTS/client-enc.key" --key-password-file "$CERTS/client-enc.pass" -t cc/x -m x
	assert_success
	echo wrong > "$T/bad.pass"
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" --cert "$CERTS/client.crt" \
		--key "$CERTS/client-enc.key" --key-password-file "$T/bad.pass" -t cc/x -m x
	assert_failure 2
	assert_stderr_line mqpub "cannot read key '.*client-enc\.key': wrong password\?"
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" --cert "$CERTS/client.crt" \
		--key "$CERTS/client-enc.key" -t cc/x -m x
	assert_failure 2
	assert_stderr_line mqpub "key-password-file"
}

@test "--key-password -: the key passphrase from standard input, or a prompt on a terminal" {
	tls_broker_start server.crt "require_certificate true"
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" --cert "$CERTS/client.crt" \
		--key "$CERTS/client-enc.key" --key-password - -t cc/x -m x < "$CERTS/client-enc.pass"
	assert_success
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" --cert "$CERTS/client.crt" \
		--key "$CERTS/client-enc.key" --key-password - -t cc/x -m x <<< wrong
	assert_failure 2
	assert_stderr_line mqpub "cannot read key '.*client-enc\.key': wrong password\?"
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" --cert "$CERTS/client.crt" \
		--key "$CERTS/client-enc.key" --key-password "$(head -n 1 "$CERTS/client-enc.pass")" -t cc/x -m x
	assert_success
	run "$PYTHON" "$BATS_TEST_DIRNAME/pty-run.py" answer "$(head -n 1 "$CERTS/client-enc.pass")" -- \
		"$MQPUB" -h 127.0.0.1 -p "$TLS_PORT" --cafile "$CERTS/ca.crt" --cert "$CERTS/client.crt" \
		--key "$CERTS/client-enc.key" --key-password - -t cc/x -m x
	assert_success
	assert_output --partial "key password for mqpub:"
	# the passphrase given as a value is wiped from argv like -P
	sub_bg "$T/out" -p "$TLS_PORT" --cafile "$CERTS/ca.crt" --cert "$CERTS/client.crt" \
		--key "$CERTS/client-enc.key" --key-password "$(head -n 1 "$CERTS/client-enc.pass")" -t kp/x
	grep -q kp/x "/proc/$SUB_PID/cmdline" || fail "not the mqsub process"
	! grep -qF "$(head -n 1 "$CERTS/client-enc.pass")" "/proc/$SUB_PID/cmdline" ||
		fail "key password visible in /proc/$SUB_PID/cmdline"
}

@test "client certificate and key that do not match: exit 2" {
	tls_broker_start server.crt
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" --cert "$CERTS/client.crt" \
		--key "$CERTS/server.key" -t cc/x -m x
	assert_failure 2
	assert_stderr_line mqpub "does not match certificate"
}

@test "PSK: the right key works, a wrong key is exit 4 and publishes nothing" {
	psk_broker_start mq-id 0123456789abcdef0123456789abcdef
	witness_start
	run --separate-stderr tpub --psk deadbeefdeadbeefdeadbeefdeadbeef --psk-identity mq-id \
		-t psk/x -m leaked
	assert_failure 4
	assert_stderr_line mqpub "handshake failed: .*wrong --psk"
	run --separate-stderr tpub --psk 0123456789abcdef0123456789abcdef --psk-identity nobody \
		-t psk/x -m leaked
	assert_failure 4
	assert_stderr_line mqpub "handshake failed: .*(unknown PSK identity|wrong --psk)"
	run --separate-stderr tpub --psk 0123456789abcdef0123456789abcdef --psk-identity mq-id \
		-t psk/x -m good -d
	assert_success
	assert_stderr_match 'TLS TLSv1\.2 TLS-[A-Z0-9-]*PSK'
	wait_for_lines "$T/witness" 1 10
	assert_file_eq "$T/witness" "psk/x good
"
}

@test "PSK: only PSK suites are offered (no certificate fallback)" {
	tls_broker_start server.crt
	run --separate-stderr tpub --psk 0123456789abcdef0123456789abcdef --psk-identity mq-id \
		-t psk/x -m x
	assert_failure 4
	assert_stderr_line mqpub "handshake failed"
}

@test "pinning: the right pin is accepted, a wrong one is exit 4" {
	local pin other
	tls_broker_start server.crt
	pin=$(spki_pin "$CERTS/server.crt")
	other=$(spki_pin "$CERTS/client.crt")
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" --pin-sha256 "$pin" -t pin/x -m x
	assert_success
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" --pin-sha256 "$other" --pin-sha256 "$pin" \
		-t pin/x -m x
	assert_success
	witness_start
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" --pin-sha256 "$other" -t pin/x -m leaked
	assert_failure 4
	assert_stderr_line mqpub "public key does not match any --pin-sha256"
	witness_nothing
}

@test "pinning with --insecure: a self-signed broker with the right pin is accepted, wrong pin refused" {
	tls_broker_start selfsigned.crt
	run --separate-stderr tpub --insecure --pin-sha256 "$(spki_pin "$CERTS/selfsigned.crt")" -t pin/x -m x
	assert_success
	run --separate-stderr tpub --insecure --pin-sha256 "$(spki_pin "$CERTS/client.crt")" -t pin/x -m x
	assert_failure 4
	assert_stderr_match "public key does not match any --pin-sha256"
}

@test "--tls-version 1.2 and --ciphers: the named suite is used" {
	tls_broker_start server.crt
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" --tls-version 1.2 \
		--ciphers TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256 -t c/x -m x -d
	assert_success
	assert_stderr_match '^mqpub: TLS TLSv1\.2 TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256$'
}

@test "--ciphers with an unknown name: exit 2 naming it" {
	tls_broker_start server.crt
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" --ciphers \
		TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256 -t c/x -m x
	assert_failure 2
	assert_stderr_line mqpub "unknown cipher suite 'ECDHE-RSA-AES128-GCM-SHA256'"
}

@test "--alpn is offered without breaking a broker that ignores it" {
	tls_broker_start server.crt
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" --alpn mqtt -t a/x -m x
	assert_success
}

@test "reconnect: a restarted broker with a good certificate is verified again and used" {
	tls_broker_start server.crt
	sub_bg "$T/out" -p "$TLS_PORT" --cafile "$CERTS/ca.crt" -t rc/x -C 2 \
		--reconnect-min 50 --reconnect-max 200
	run tpub --cafile "$CERTS/ca.crt" -t rc/x -m one
	assert_success
	wait_for_lines "$T/out" 1 10
	local from
	from=$(log_lines)
	tls_broker_swap server.crt
	wait_subscribed "$from" "$SUB_PID" rc/x
	run tpub --cafile "$CERTS/ca.crt" -t rc/x -m two
	assert_success
	wait_pid "$SUB_PID" 10 || fail "subscriber did not get the second message"
	assert_file_eq "$T/out" "one
two
"
}

@test "reconnect: a broker restarted with an expired certificate is refused (exit 4)" {
	tls_broker_start server.crt
	sub_bg "$T/out" -p "$TLS_PORT" --cafile "$CERTS/ca.crt" -t rc/x \
		--reconnect-min 500 --reconnect-max 500 --reconnect-tries 8
	local from
	from=$(log_lines)
	tls_broker_swap expired.crt
	# 8 tries, 0.5 s apart: the last ones meet the restarted broker.
	wait_pid "$SUB_PID" 20 || fail "mqsub still running after 8 refused reconnects"
	[ "$WAIT_STATUS" -eq 4 ] || fail "exit $WAIT_STATUS, wanted 4: $(cat "$T/out.err")"
	grep -q 'certificate has expired' "$T/out.err" || fail "no reason: $(cat "$T/out.err")"
	# The broker never saw an MQTT CONNECT after the restart.
	run bash -c "tail -n +$((from + 1)) '$BROKER_LOG' | grep -c 'New client connected'"
	assert_output 0
}

@test "reconnect without a try limit keeps refusing the bad certificate" {
	tls_broker_start server.crt
	sub_bg "$T/out" -p "$TLS_PORT" --cafile "$CERTS/ca.crt" -t rc/x \
		--reconnect-min 50 --reconnect-max 100
	local from
	from=$(log_lines)
	tls_broker_swap selfsigned.crt
	sleep 2
	alive "$SUB_PID" || fail "mqsub exited: $(cat "$T/out.err")"
	run bash -c "tail -n +$((from + 1)) '$BROKER_LOG' | grep -c 'New client connected'"
	assert_output 0
	# Put a good certificate back: it reconnects and receives.
	from=$(log_lines)
	tls_broker_swap server.crt
	wait_subscribed "$from" "$SUB_PID" rc/x
	run tpub --cafile "$CERTS/ca.crt" -t rc/x -m back
	assert_success
	wait_for_lines "$T/out" 1 10
	assert_file_eq "$T/out" "back
"
}

@test "garbage server on the TLS port: exit 4 within -W, no hang" {
	garbage_server
	local t0
	t0=$(now_ms)
	run --separate-stderr timeout 30 "$MQPUB" -h 127.0.0.1 -p "$GARBAGE_PORT" \
		--cafile "$CERTS/ca.crt" -t g/x -m x -W 5
	assert_failure 4
	assert_stderr_line mqpub "handshake failed"
	(( $(now_ms) - t0 < 5000 )) || fail "took $(( $(now_ms) - t0 )) ms"
}

@test "plain MQTT listener on the TLS port: exit 4 within -W, no hang" {
	broker_start
	local t0
	t0=$(now_ms)
	run --separate-stderr timeout 30 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" \
		--cafile "$CERTS/ca.crt" -t g/x -W 5
	assert_failure 4
	assert_stderr_line mqsub "handshake failed"
	(( $(now_ms) - t0 < 5000 )) || fail "took $(( $(now_ms) - t0 )) ms"
}

@test "a server that never answers the handshake: bounded by -W (exit 5)" {
	silent_server
	local t0
	t0=$(now_ms)
	run --separate-stderr timeout 30 "$MQPUB" -h 127.0.0.1 -p "$SILENT_PORT" \
		--cafile "$CERTS/ca.crt" -t g/x -m x -W 2
	assert_failure 5
	(( $(now_ms) - t0 < 4000 )) || fail "took $(( $(now_ms) - t0 )) ms"
}
