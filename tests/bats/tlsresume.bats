#!/usr/bin/env bats
# --tls-resume (issue 16): the TLS 1.2 session kept across runs in the state
# directory, one 0600 file per broker, against mosquitto's TLS listener
# (OpenSSL issues TLS 1.2 session tickets by default: no broker setting).
# What must not weaken anything: a changed CA set or pin, a corrupt,
# truncated, foreign-mode or symlinked file all mean a full handshake, with a
# warning for a file we refuse or cannot parse; a broker that does not
# accept the session gets a full handshake in the same run.

load helpers
load tls_helpers

setup_file() {
	tls_setup_file
}

setup() {
	common_setup
	tls_broker_start server.crt
	SDIR="$XDG_STATE_HOME/mq"
}

teardown() {
	common_teardown
}

# rpub2 [ARG...]: one QoS 1 publish over TLS with --tls-resume and -d.
rpub2() {
	tpub --cafile "$CERTS/ca.crt" --tls-resume -d -q 1 -t resume/x -m hello "$@"
}

# the_file: the one session file in the state directory (fails if not one).
the_file() {
	local f=("$SDIR"/*.tls)
	[ "${#f[@]}" -eq 1 ] && [ -f "${f[0]}" ] || { echo "not one session file: ${f[*]}" >&2; return 1; }
	printf '%s\n' "${f[0]}"
}

# full_then_resumed [ARG...]: a first run does a full handshake and saves
# the session, a second resumes it.
full_then_resumed() {
	run --separate-stderr rpub2 "$@"
	assert_success
	assert_stderr_match 'full TLS handshake \(no saved session\)'
	run --separate-stderr rpub2 "$@"
	assert_success
	assert_stderr_match 'TLS session resumed'
	! grep -qi 'full TLS handshake' <<<"$stderr" || fail "both resumed and full: $stderr"
}

@test "tls-resume: the second run resumes; the file is 0600 in the state directory" {
	full_then_resumed
	f=$(the_file)
	[ "$(stat -c %a "$f")" = 600 ] || fail "mode $(stat -c %a "$f")"
	[ "$(stat -c %a "$SDIR")" = 700 ] || fail "dir mode $(stat -c %a "$SDIR")"
	[[ ${f##*/} =~ ^[0-9a-f]{64}\.tls$ ]] || fail "file name ${f##*/}"
	[ "$(head -c 8 "$f")" = MQTLSSES ] || fail "no magic"
	! ls "$SDIR" | grep -q tmp || fail "temp file left: $(ls "$SDIR")"
}

@test "tls-resume: mqsub resumes too, --state-dir chooses the directory, no warning" {
	pub -t resume/r -m kept -r -q 1
	run --separate-stderr tsub --cafile "$CERTS/ca.crt" --tls-resume --state-dir "$T/sd" \
		-t resume/r -C 1 -d
	assert_success
	[ "$output" = kept ] || fail "got: $output"
	assert_stderr_match 'full TLS handshake \(no saved session\)'
	! grep -q 'state-dir is used only' <<<"$stderr" || fail "warned: $stderr"
	run --separate-stderr tsub --cafile "$CERTS/ca.crt" --tls-resume --state-dir "$T/sd" \
		-t resume/r -C 1 -d
	assert_success
	[ "$output" = kept ] || fail "got: $output"
	assert_stderr_match 'TLS session resumed'
	[ "$(find "$T/sd" -name '*.tls' | wc -l)" -eq 1 ] || fail "$(ls -la "$T/sd")"
	[ ! -e "$SDIR" ] || fail "the default state dir was used: $(ls -la "$SDIR")"
}

@test "tls-resume: without --tls-resume no file is written and -d says nothing of it" {
	run --separate-stderr tpub --cafile "$CERTS/ca.crt" -d -q 1 -t resume/x -m x
	assert_success
	! grep -qiE 'resumed|full TLS handshake' <<<"$stderr" || fail "$stderr"
	[ -z "$(find "$XDG_STATE_HOME" -name '*.tls' 2>/dev/null)" ] || fail "file written"
}

@test "tls-resume: the config file key tls-resume turns it on" {
	mkdir -p "$XDG_CONFIG_HOME/mq"
	printf 'tls-resume = yes\n' > "$XDG_CONFIG_HOME/mq/config"
	chmod 600 "$XDG_CONFIG_HOME/mq/config"
	for i in 1 2; do
		run --separate-stderr tpub --cafile "$CERTS/ca.crt" -d -q 1 -t resume/x -m x
		assert_success
	done
	assert_stderr_match 'TLS session resumed'
}

@test "tls-resume: the resumed handshake is smaller (no certificate from the broker)" {
	# count_proxy: forward one connection at a time to the TLS port and
	# write the bytes the broker sent for each connection to $T/s2c.
	python3 -c '
import socket, sys, threading
up = int(sys.argv[1]); out = sys.argv[2]
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept(); u = socket.create_connection(("127.0.0.1", up))
    n = [0]
    def pump(a, b, count):
        while True:
            d = a.recv(65536)
            if not d: break
            if count: n[0] += len(d)
            b.sendall(d)
        try: b.shutdown(socket.SHUT_WR)
        except OSError: pass
    t = threading.Thread(target=pump, args=(u, c, True)); t.start()
    pump(c, u, False); t.join(10); c.close(); u.close()
    with open(out, "a") as f: f.write("%d\n" % n[0])
' "$TLS_PORT" "$T/s2c" > "$T/cp.port" 2>"$T/cp.err" 3>&- &
	bg_track $!
	for _ in $(seq 500); do [ -s "$T/cp.port" ] && break; sleep 0.02; done
	port=$(cat "$T/cp.port")
	[ -n "$port" ] || fail "proxy did not start: $(cat "$T/cp.err")"
	for i in 1 2; do
		run --separate-stderr timeout 30 "$MQPUB" -h 127.0.0.1 -p "$port" \
			--tls-servername localhost --cafile "$CERTS/ca.crt" --tls-resume -d -q 1 -t r/x -m x
		assert_success
		for _ in $(seq 500); do [ "$(wc -l < "$T/s2c" 2>/dev/null)" -ge "$i" ] && break; sleep 0.02; done
	done
	assert_stderr_match 'TLS session resumed'
	mapfile -t n < "$T/s2c"
	certlen=$(openssl x509 -in "$CERTS/server.crt" -outform der | wc -c)
	(( ${n[1]} + certlen <= ${n[0]} )) ||
		fail "full: ${n[0]} bytes from the broker, resumed: ${n[1]} (certificate: $certlen)"
}

@test "tls-resume: a broker that does not accept the session gets a full handshake in the same run" {
	run --separate-stderr rpub2
	assert_success
	tls_broker_swap server.crt   # a restarted mosquitto has new ticket keys
	run --separate-stderr rpub2
	assert_success
	assert_stderr_match 'full TLS handshake \(the broker did not resume the session\)'
	! grep -q warning <<<"$stderr" || fail "warned: $stderr"
	run --separate-stderr rpub2
	assert_success
	assert_stderr_match 'TLS session resumed'
}

@test "tls-resume: a changed CA set forces a full handshake and replaces the file" {
	full_then_resumed
	f=$(the_file)
	before=$(sha "$f")
	cat "$CERTS/ca.crt" "$CERTS/evil-ca.crt" > "$T/bundle.crt"
	run --separate-stderr rpub2 --cafile "$T/bundle.crt"
	assert_success
	assert_stderr_match 'full TLS handshake \(saved session was made with other TLS parameters\)'
	[ "$(sha "$(the_file)")" != "$before" ] || fail "file not replaced"
	run --separate-stderr rpub2 --cafile "$T/bundle.crt"
	assert_success
	assert_stderr_match 'TLS session resumed'
	# and back to the first CA: its session was replaced, a full handshake
	run --separate-stderr rpub2
	assert_success
	assert_stderr_match 'other TLS parameters'
}

@test "tls-resume: a changed pin forces a full handshake" {
	pin=$(spki_pin "$CERTS/server.crt")
	full_then_resumed --pin-sha256 "$pin"
	other=$(spki_pin "$CERTS/evil-ca.crt")
	run --separate-stderr rpub2 --pin-sha256 "$other" --pin-sha256 "$pin"
	assert_success
	assert_stderr_match 'full TLS handshake \(saved session was made with other TLS parameters\)'
	# a resumed session still checks the pin against the kept certificate
	run --separate-stderr rpub2 --pin-sha256 "$other" --pin-sha256 "$pin"
	assert_success
	assert_stderr_match 'TLS session resumed'
}

@test "tls-resume: a corrupt file is replaced with a warning and the run succeeds" {
	full_then_resumed
	f=$(the_file)
	head -c 700 /dev/urandom > "$f"
	run --separate-stderr rpub2
	assert_success
	assert_stderr_match "warning: TLS session file '$f' is corrupt \(bad magic\): replaced"
	assert_stderr_match 'full TLS handshake \(session file corrupt'
	run --separate-stderr rpub2
	assert_success
	assert_stderr_match 'TLS session resumed'
	! grep -q warning <<<"$stderr" || fail "warned: $stderr"
}

@test "tls-resume: a truncated file, and a garbled session inside an intact header" {
	full_then_resumed
	f=$(the_file)
	head -c 100 "$f" > "$T/t" && cat "$T/t" > "$f"
	run --separate-stderr rpub2
	assert_success
	assert_stderr_match "warning: TLS session file .* is corrupt \(truncated\)"
	# keep the header, garble the mbedTLS blob after its own version header
	python3 -c '
import sys, os
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
for i in range(76, len(b)): b[i] ^= 0x5a
open(p, "wb").write(b)' "$f"
	run --separate-stderr rpub2
	assert_success
	assert_stderr_match 'warning: TLS session file .* is corrupt|full TLS handshake'
	run --separate-stderr rpub2
	assert_success
	assert_stderr_match 'TLS session resumed'
}

@test "tls-resume: an expired or future-dated session is not offered" {
	full_then_resumed
	f=$(the_file)
	# saved_at (offset 44, 8 bytes) 25 hours ago: past the 24 h cap
	python3 -c '
import sys, time
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
b[44:52] = int(time.time() - 25 * 3600).to_bytes(8, "big")
open(p, "wb").write(b)' "$f"
	run --separate-stderr rpub2
	assert_success
	assert_stderr_match 'full TLS handshake \(saved session has expired\)'
	python3 -c '
import sys, time
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
b[44:52] = int(time.time() + 3600).to_bytes(8, "big")
open(p, "wb").write(b)' "$f"
	run --separate-stderr rpub2
	assert_success
	assert_stderr_match 'full TLS handshake \(saved session is dated in the future\)'
}

@test "tls-resume: a file readable by others (0644) is refused with a warning" {
	full_then_resumed
	f=$(the_file)
	chmod 644 "$f"
	run --separate-stderr rpub2
	assert_success
	assert_stderr_match "warning: TLS session file '$f' refused: readable or writable by group or others"
	assert_stderr_match 'full TLS handshake \(session file refused'
	[ "$(grep -c warning <<<"$stderr")" -eq 1 ] || fail "$stderr"
	[ "$(stat -c %a "$f")" = 600 ] || fail "not replaced with 0600: $(stat -c %a "$f")"
}

@test "tls-resume: a symbolic link is refused and replaced, its target untouched" {
	full_then_resumed
	f=$(the_file)
	mv "$f" "$T/real.tls"
	ln -s "$T/real.tls" "$f"
	before=$(sha "$T/real.tls")
	run --separate-stderr rpub2
	assert_success
	assert_stderr_match "refused: a symbolic link"
	[ ! -L "$f" ] || fail "still a symlink"
	[ "$(sha "$T/real.tls")" = "$before" ] || fail "target written through the link"
}

@test "tls-resume: a file owned by someone else is refused" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to chown"
	full_then_resumed
	f=$(the_file)
	chown 65534 "$f"
	run --separate-stderr rpub2
	assert_success
	assert_stderr_match "refused: not owned by us"
}

@test "tls-resume: a session saved by another mbedTLS build is not offered, without a warning" {
	full_then_resumed
	f=$(the_file)
	# the blob starts with mbedTLS's version and config header (offset 60)
	python3 -c '
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
b[60] ^= 0xff
open(p, "wb").write(b)' "$f"
	run --separate-stderr rpub2
	assert_success
	assert_stderr_match 'full TLS handshake \(saved session is from another mbedTLS build\)'
	! grep -q warning <<<"$stderr" || fail "warned: $stderr"
	run --separate-stderr rpub2
	assert_success
	assert_stderr_match 'TLS session resumed'
}
