# tls_helpers.bash - TLS listeners and hostile servers for tls.bats, on top
# of helpers.bash (which starts the broker with its plain listener).
#
# tls_setup_file generates the certificates once per file (gen-certs.sh);
# tls_broker_start adds one TLS listener to the private broker; the plain
# listener stays, so a plain subscriber can witness what got through.

# tls_setup_file: certificates into $BATS_FILE_TMPDIR/certs; exports CERTS.
tls_setup_file() {
	CERTS="$BATS_FILE_TMPDIR/certs"
	export CERTS
	timeout 120 "$BATS_TEST_DIRNAME/gen-certs.sh" "$CERTS" >/dev/null
}

# tls_listener_lines PORT CERT [LINE...]: config lines of a TLS listener on
# 127.0.0.1:PORT serving $CERTS/CERT (key: server.key), plus extra LINEs.
tls_listener_lines() {
	local port=$1 cert=$2
	shift 2
	printf '%s\n' "listener $port 127.0.0.1" \
		"cafile $CERTS/ca.crt" \
		"certfile $CERTS/$cert" \
		"keyfile $CERTS/server.key" "$@"
}

# tls_wait_port PORT: wait (10 s) until PORT accepts.
tls_wait_port() {
	local end=$(( $(now_ms) + 10000 ))
	until port_open "$1"; do
		(( $(now_ms) < end )) || { echo "port $1 never opened" >&2; return 1; }
		sleep 0.02
	done
}

# tls_broker_start CERT [LINE...]: broker with the plain listener on
# BROKER_PORT and a TLS listener on TLS_PORT serving CERT.
tls_broker_start() {
	local lines
	TLS_PORT=$(free_port)
	mapfile -t lines < <(tls_listener_lines "$TLS_PORT" "$@")
	broker_start "${lines[@]}" || return 1
	tls_wait_port "$TLS_PORT"
}

# psk_broker_start IDENTITY HEXKEY: a TLS-PSK listener (TLS 1.2) on TLS_PORT.
psk_broker_start() {
	printf '%s:%s\n' "$1" "$2" > "$BROKER_DIR/psk"
	TLS_PORT=$(free_port)
	broker_start "listener $TLS_PORT 127.0.0.1" "psk_hint mq-test" \
		"psk_file $BROKER_DIR/psk" "tls_version tlsv1.2" || return 1
	tls_wait_port "$TLS_PORT"
}

# tls_broker_swap CERT [LINE...]: stop the broker, serve CERT on the same
# TLS port (and the same plain port), start again.
tls_broker_swap() {
	local lines end
	mapfile -t lines < <(tls_listener_lines "$TLS_PORT" "$@")
	broker_stop
	BROKER_EXTRA=("${lines[@]}")
	broker_write_conf
	end=$(( $(now_ms) + 10000 ))
	until broker_launch; do
		(( $(now_ms) < end )) || { echo "broker would not restart" >&2; return 1; }
		sleep 0.1
	done
	tls_wait_port "$TLS_PORT"
}

# garbage_server: accept on a free port and answer every connection with
# random bytes; sets GARBAGE_PORT (tracked for teardown).
garbage_server() {
	local out="$T/garbage.port" end
	python3 -c '
import os, socket, sys, threading
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
def serve(c):
    try:
        for _ in range(64):
            c.sendall(os.urandom(1024))
        c.recv(1)
    except OSError:
        pass
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' >"$out" 2>"$T/garbage.err" 3>&- &
	bg_track $!
	end=$(( $(now_ms) + 10000 ))
	until [ -s "$out" ]; do
		(( $(now_ms) < end )) || return 1
		sleep 0.02
	done
	GARBAGE_PORT=$(head -n 1 "$out")
}

# silent_server: accept on a free port and never say a word; sets SILENT_PORT.
silent_server() {
	local out="$T/silent.port" end
	python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' >"$out" 2>"$T/silent.err" 3>&- &
	bg_track $!
	end=$(( $(now_ms) + 10000 ))
	until [ -s "$out" ]; do
		(( $(now_ms) < end )) || return 1
		sleep 0.02
	done
	SILENT_PORT=$(head -n 1 "$out")
}

# tpub/tsub: our tools over TLS to the test broker's TLS port, bounded.
tpub() {
	timeout 30 "$MQPUB" -h 127.0.0.1 -p "$TLS_PORT" "$@"
}
tsub() {
	timeout 30 "$MQSUB" -h 127.0.0.1 -p "$TLS_PORT" "$@"
}

# spki_pin CERTFILE: base64 SHA-256 of the certificate's SubjectPublicKeyInfo.
spki_pin() {
	openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64
}

# witness_start: a plain-listener subscriber on '#' (output in $T/witness).
witness_start() {
	sub_bg "$T/witness" -t '#' -v
	WITNESS_PID=$SUB_PID
}

# witness_nothing: publish a marker on the plain listener and check that the
# witness saw the marker and nothing before it.
witness_nothing() {
	pub -t witness/end -m end || return 1
	wait_for_lines "$T/witness" 1 10 || return 1
	assert_file_eq "$T/witness" "witness/end end
"
}
