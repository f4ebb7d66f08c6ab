#!/usr/bin/env bats
# Reaching the broker: its Unix socket (--unix, -L unix://), and through
# real proxies on loopback: microsocks (SOCKS5) and tinyproxy (HTTP
# CONNECT), both Debian's, started here with private settings and stopped
# after.  The peer on the far side is a real mosquitto.

load helpers

setup() {
	common_setup
	SOCK="$BROKER_DIR/mosq.sock"
	broker_start "listener 0 $SOCK" "max_queued_messages 0" "persistence true"
	for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.02; done
	[ -S "$SOCK" ] || fail "mosquitto made no Unix socket"
}

teardown() {
	common_teardown
}

# wait_port PORT: until something accepts on 127.0.0.1:PORT (5 s).
wait_port() {
	for _ in $(seq 250); do port_open "$1" && return 0; sleep 0.02; done
	return 1
}

# socks_start [USER PASS]: microsocks on a free port; sets SOCKS_PORT.
socks_start() {
	SOCKS_PORT=$(free_port)
	if [ $# -eq 2 ]; then
		microsocks -i 127.0.0.1 -p "$SOCKS_PORT" -u "$1" -P "$2" > "$T/socks.log" 2>&1 &
	else
		microsocks -i 127.0.0.1 -p "$SOCKS_PORT" > "$T/socks.log" 2>&1 &
	fi
	bg_track $!
	wait_port "$SOCKS_PORT" || fail "microsocks did not start: $(cat "$T/socks.log")"
}

# http_proxy_start [USER PASS]: tinyproxy on a free port; sets HTTP_PORT.
http_proxy_start() {
	HTTP_PORT=$(free_port)
	{
		echo "Port $HTTP_PORT"
		echo "Listen 127.0.0.1"
		echo "Allow 127.0.0.1"
		echo "Timeout 60"
		echo "LogLevel Info"
		[ $# -eq 2 ] && echo "BasicAuth $1 $2"
	} > "$T/tinyproxy.conf"
	tinyproxy -d -c "$T/tinyproxy.conf" > "$T/tinyproxy.log" 2>&1 &
	bg_track $!
	wait_port "$HTTP_PORT" || fail "tinyproxy did not start: $(cat "$T/tinyproxy.log")"
}

# stream_through ARGS...: 1,000 lines at QoS 0, 1 and 2 from mqpub to
# mosquitto_sub, mqpub reaching the broker with ARGS; every line arrives.
stream_through() {
	local q
	seq 1000 > "$T/in"
	for q in 0 1 2; do
		SUB_CMD=mosquitto_sub sub_bg "$T/out$q" -t "st/$q" -q 2 -C 1000
		run --separate-stderr timeout 60 "$MQPUB" "$@" -q "$q" -t "st/$q" -l < "$T/in"
		[ "$status" -eq 0 ] || fail "QoS $q through '$*': exit $status: $stderr"
		wait_pid "$SUB_PID" 20 || fail "QoS $q: got $(wc -l < "$T/out$q") of 1000"
		diff -q "$T/in" "$T/out$q" > /dev/null || fail "QoS $q: lines differ"
	done
}

@test "--unix: QoS 0, 1 and 2 streams of 1,000 lines, and mqsub on the socket, byte-exact" {
	"$MQSUB" --unix "$SOCK" -t 'st/#' -q 2 -C 3000 > "$T/mine" 2> "$T/mine.err" &
	SUB_PID=$!
	bg_track "$SUB_PID"
	wait_log 'Sending SUBACK' 1 10 || fail "mqsub did not subscribe: $(cat "$T/mine.err")"
	stream_through --unix "$SOCK"
	wait_pid "$SUB_PID" 20 || fail "mqsub on the socket got $(wc -l < "$T/mine") of 3000"
	[ "$(sort -n "$T/mine" | uniq | wc -l)" -eq 1000 ] || fail "mqsub: $(wc -l < "$T/mine") lines"
}

@test "-L unix:///path, and the errors: a relative path (exit 2), no socket there (exit 1, naming it)" {
	run --separate-stderr timeout 10 "$MQPUB" -L "unix://$SOCK" -t u/a -m x -q 1
	assert_success
	run --separate-stderr timeout 10 "$MQPUB" -L "unix://relative.sock" -t u/a -m x
	assert_failure 2
	assert_stderr_line mqpub 'absolute path'
	run --separate-stderr timeout 10 "$MQPUB" --unix "$T/none.sock" -t u/a -m x
	assert_failure 1
	assert_stderr_line mqpub "cannot connect to unix socket $T/none.sock: No such file"
}

@test "--unix: a kept session survives a broker restart; mqsub reconnects on the socket" {
	"$MQSUB" --unix "$SOCK" -c -i unix-keep -q 1 -t u/keep > "$T/out" 2> "$T/err" &
	SUB_PID=$!
	bg_track "$SUB_PID"
	wait_log 'Sending SUBACK to unix-keep' 1 10 || fail "no subscription: $(cat "$T/err")"
	timeout 10 "$MQPUB" --unix "$SOCK" -q 1 -t u/keep -m before || fail "publish failed"
	wait_for_lines "$T/out" 1 10 || fail "nothing before the restart"
	broker_stop
	broker_launch || fail "broker did not come back"
	wait_log 'Sending SUBACK to unix-keep|unix-keep.*session present|New client connected.*unix-keep' 2 20 ||
		fail "mqsub did not reconnect: $(cat "$T/err")"
	sleep 0.3
	timeout 10 "$MQPUB" --unix "$SOCK" -q 1 -t u/keep -m after || fail "publish after restart failed"
	wait_for_lines "$T/out" 2 10 || fail "got: $(cat "$T/out"); stderr: $(cat "$T/err")"
	assert_file_eq "$T/out" "before
after
"
}

@test "SOCKS5 (microsocks): socks5:// and socks5h://, QoS 0-2 streams lossless" {
	socks_start
	stream_through -h 127.0.0.1 -p "$BROKER_PORT" --proxy "socks5://127.0.0.1:$SOCKS_PORT"
	run --separate-stderr timeout 10 "$MQPUB" -h localhost -p "$BROKER_PORT" \
		--proxy "socks5h://127.0.0.1:$SOCKS_PORT" -t s/h -m x -q 1
	assert_success
}

@test "SOCKS5 with a user and password; a wrong one is refused, naming the proxy" {
	socks_start alice 's3cret'
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" \
		--proxy "socks5://alice:s3cret@127.0.0.1:$SOCKS_PORT" -t s/a -m x -q 1
	assert_success
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" \
		--proxy "socks5://alice:wrong@127.0.0.1:$SOCKS_PORT" -t s/a -m x -q 1
	assert_failure 1
	assert_stderr_line mqpub "proxy 127.0.0.1:$SOCKS_PORT: user name or password refused"
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" \
		--proxy "socks5://127.0.0.1:$SOCKS_PORT" -t s/a -m x -q 1
	assert_failure 1
	assert_stderr_line mqpub "proxy 127.0.0.1:$SOCKS_PORT: no acceptable authentication method"
}

@test "SOCKS5: the proxy cannot reach the broker: its reply is named" {
	socks_start
	local dead
	dead=$(free_port)
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$dead" \
		--proxy "socks5://127.0.0.1:$SOCKS_PORT" -t s/a -m x
	assert_failure 1
	assert_stderr_line mqpub "cannot connect to 127.0.0.1:$dead: proxy 127.0.0.1:$SOCKS_PORT: SOCKS5 reply [0-9]+: "
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" \
		--proxy "socks5://127.0.0.1:$dead" -t s/a -m x
	assert_failure 1
	assert_stderr_line mqpub "proxy 127.0.0.1:$dead: Connection refused"
}

@test "HTTP CONNECT (tinyproxy): QoS 0-2 streams lossless; mqsub through it too" {
	http_proxy_start
	sub_bg "$T/mine" -h 127.0.0.1 -p "$BROKER_PORT" --proxy "http://127.0.0.1:$HTTP_PORT" -t 'st/#' -q 2 -C 3000
	stream_through -h 127.0.0.1 -p "$BROKER_PORT" --proxy "http://127.0.0.1:$HTTP_PORT/"
	wait_pid "$SUB_PID" 20 || fail "mqsub through the proxy got $(wc -l < "$T/mine") of 3000"
}

@test "HTTP CONNECT with Basic authentication; 407 without it, and a refused tunnel, named" {
	http_proxy_start bob 'pa-ss'
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" \
		--proxy "http://bob:pa%2Dss@127.0.0.1:$HTTP_PORT" -t h/a -m x -q 1
	assert_success
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" \
		--proxy "http://127.0.0.1:$HTTP_PORT" -t h/a -m x -q 1
	assert_failure 1
	assert_stderr_line mqpub "proxy 127.0.0.1:$HTTP_PORT: authentication refused: HTTP/1.[01] 407"
	local dead
	dead=$(free_port)
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$dead" \
		--proxy "http://bob:pa%2Dss@127.0.0.1:$HTTP_PORT" -t h/a -m x
	assert_failure 1
	assert_stderr_line mqpub "proxy 127.0.0.1:$HTTP_PORT: HTTP/1.[01] [45][0-9][0-9]"
}

@test "--proxy-from-env: ALL_PROXY only with the flag, NO_PROXY honoured; the --proxy password is wiped from argv" {
	socks_start
	# without the flag the variable is ignored: a dead proxy does not matter
	local dead
	dead=$(free_port)
	ALL_PROXY="socks5://127.0.0.1:$dead" run --separate-stderr timeout 10 "$MQPUB" \
		-h 127.0.0.1 -p "$BROKER_PORT" -t e/a -m x
	assert_success
	ALL_PROXY="socks5://127.0.0.1:$dead" run --separate-stderr timeout 10 "$MQPUB" \
		-h 127.0.0.1 -p "$BROKER_PORT" -t e/a -m x --proxy-from-env
	assert_failure 1
	assert_stderr_line mqpub "proxy 127.0.0.1:$dead"
	ALL_PROXY="socks5://127.0.0.1:$SOCKS_PORT" run --separate-stderr timeout 10 "$MQPUB" \
		-h 127.0.0.1 -p "$BROKER_PORT" -t e/a -m x --proxy-from-env
	assert_success
	ALL_PROXY="socks5://127.0.0.1:$dead" NO_PROXY="example.org,127.0.0.1" run --separate-stderr \
		timeout 10 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -t e/a -m x --proxy-from-env
	assert_success
	# the password of --proxy is not in /proc/PID/cmdline
	"$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" --proxy "socks5://u:pr0xy-pw@127.0.0.1:$SOCKS_PORT" \
		-t e/w > /dev/null 2>&1 &
	local pid=$!
	bg_track "$pid"
	# argv shows the password until mqsub has wiped it, early in start-up
	wait_until 10 proxy_pw_wiped "$pid" || fail "proxy password visible: $(tr '\0' ' ' < "/proc/$pid/cmdline")"
	local cmdline
	cmdline=$(tr '\0' ' ' < "/proc/$pid/cmdline")
	[[ $cmdline == *socks5://u:*@127.0.0.1* ]] || fail "URL mangled: $cmdline"
}

# proxy_pw_wiped PID: PID is mqsub (its topic e/w in argv), its password gone.
proxy_pw_wiped() {
	local c
	c=$(tr '\0' ' ' < "/proc/$1/cmdline")
	[[ $c == *e/w* && $c != *pr0xy-pw* ]]
}

@test "bad --proxy URLs are usage errors" {
	local u
	for u in 'ftp://h:1' 'socks5://' 'http://h:0' 'http://h:1/path' 'socks5://h:x'; do
		run --separate-stderr timeout 10 "$MQPUB" -t a -m x --proxy "$u"
		[ "$status" -eq 2 ] || fail "'$u': exit $status"
		assert_stderr_line mqpub
	done
	ALL_PROXY='bogus://secret@h' run --separate-stderr timeout 10 "$MQPUB" -t a -m x --proxy-from-env
	assert_failure 2
	assert_stderr_line mqpub 'bad proxy URL in ALL_PROXY'
	[[ $stderr != *secret* ]] || fail "the variable's value was echoed: $stderr"
}

@test "a numeric host (127.0.0.1, ::1) and localhost are connected to without a name lookup; other names are looked up" {
	# No getaddrinfo: no netlink address dump, no nscd probe, no
	# nsswitch.conf or /etc/hosts.  Names still go through the resolver.
	local lookup='AF_NETLINK|nscd|nsswitch\.conf|/etc/hosts'
	strace -f -o /dev/null true 2>/dev/null || skip "strace cannot trace here (ptrace not allowed)"
	run --separate-stderr strace -f -e trace=openat,socket,connect -o "$T/v4" \
		"$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -q 1 -t n/x -m x
	[ "$status" -eq 0 ] || fail "127.0.0.1: exit $status: $stderr"
	grep -q "htons($BROKER_PORT).*127.0.0.1" "$T/v4" || fail "no connect to 127.0.0.1: $(cat "$T/v4")"
	! grep -E "$lookup" "$T/v4" || fail "127.0.0.1 was looked up"
	local dead
	dead=$(free_port)
	run --separate-stderr strace -f -e trace=openat,socket,connect -o "$T/v6" \
		"$MQPUB" -h ::1 -p "$dead" -t n/x -m x
	[ "$status" -eq 1 ] || fail "::1: exit $status: $stderr"
	assert_stderr_line mqpub "cannot connect to \\[::1\\]:$dead: "
	! grep -E "$lookup" "$T/v6" || fail "::1 was looked up"
	# localhost and names under it are the loopback address (RFC 6761)
	local h
	for h in localhost LocalHost. mq.localhost; do
		run --separate-stderr strace -f -e trace=openat,socket,connect -o "$T/lo" \
			"$MQPUB" -h "$h" -p "$BROKER_PORT" -q 1 -t n/x -m x
		[ "$status" -eq 0 ] || fail "$h: exit $status: $stderr"
		grep -q "htons($BROKER_PORT).*127.0.0.1" "$T/lo" || fail "$h: no connect to 127.0.0.1: $(cat "$T/lo")"
		! grep -E "$lookup" "$T/lo" || fail "$h was looked up"
	done
	# any other name goes through getaddrinfo: this machine's own name,
	# where the resolver knows it
	h=$(hostname)
	getent hosts "$h" >/dev/null || skip "this machine's name ($h) does not resolve"
	run --separate-stderr strace -f -e trace=openat,socket,connect -o "$T/name" \
		"$MQPUB" -h "$h" -p "$BROKER_PORT" -q 1 -t n/x -m x
	grep -E -q "$lookup" "$T/name" || fail "$h was not looked up: $(cat "$T/name")"
}

@test "localhost is 127.0.0.1, then ::1: a broker on ::1 only is reached" {
	local p6
	p6=$(free_port)
	broker_start "listener $p6 ::1" || skip "mosquitto cannot listen on ::1 here"
	sub_bg "$T/out" -t six/x -C 1
	run --separate-stderr timeout 10 "$MQPUB" -h localhost -p "$p6" -q 1 -t six/x -m over-six
	assert_success
	sub_done 10
	assert_file_eq "$T/out" "over-six
"
	# nothing listens on either address: the error is 127.0.0.1's
	broker_stop
	run --separate-stderr timeout 10 "$MQPUB" -h localhost -p "$p6" -t six/x -m x
	assert_failure 1
	assert_stderr_line mqpub "cannot connect to localhost:$p6: Connection refused"
}
