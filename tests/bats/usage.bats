#!/usr/bin/env bats
# Command-line contract: --help, --version, and every usage error (exit 2).
# No broker: usage errors must be found before any connection is tried, so
# the tools are pointed at a closed port; a tool that connected first would
# exit 1, not 2.

load helpers

setup() {
	common_setup
	DEAD_PORT=$(free_port)
}

teardown() {
	common_teardown
}

# usage_error PROG ARGS...: PROG ARGS exits 2 with one "PROG: ..." line on stderr.
usage_error() {
	local prog=$1 bin
	shift
	case $prog in mqpub) bin=$MQPUB ;; mqsub) bin=$MQSUB ;; esac
	run --separate-stderr timeout 10 "$bin" -h 127.0.0.1 -p "$DEAD_PORT" "$@" </dev/null
	if [ "$status" -ne 2 ]; then
		fail "$prog $* => exit $status, want 2 (usage error); stderr: $stderr"
	fi
	assert_stderr_line "$prog"
}

COMMON_OPTS="h:host p:port L:url i:id I:id-prefix k:keepalive V:protocol-version
u:username P:pw :password-file c:no-clean x:session-expiry q:qos W:timeout
:will-topic :will-payload :will-qos :will-retain M:max-inflight :reconnect-min
:reconnect-max :reconnect-tries :no-reconnect d:debug :help :version"
PUB_OPTS="t:topic m:message f:file s:stdin-file l:stdin-line n:null-message r:retain"
SUB_OPTS="t:topic T:filter-out v:verbose N:no-newline C:count R:no-retained
:retained-only E:exit-after-sub"

# check_help PROG OPTS: --help exits 0, writes only to stdout, and lists each
# option as "  -x, --name" or "      --name" at the start of a line.
check_help() {
	local bin=$1 spec s l missing=
	shift
	run --separate-stderr timeout 10 "$bin" --help
	assert_success
	assert_stderr_empty
	[ -n "$output" ] || fail "--help printed nothing on stdout"
	for spec in $*; do
		s=${spec%%:*}
		l=${spec#*:}
		if [ -n "$s" ]; then
			grep -qE -- "^[[:space:]]*-$s, --$l([[:space:]=]|\$)" <<<"$output" || missing+=" -$s,--$l"
		else
			grep -qE -- "^[[:space:]]*--$l([[:space:]=]|\$)" <<<"$output" || missing+=" --$l"
		fi
	done
	[ -z "$missing" ] || fail "--help lacks option lines for:$missing"
}

@test "mqpub --help: exit 0, usage on stdout listing every option" {
	check_help "$MQPUB" $COMMON_OPTS $PUB_OPTS
}

@test "mqsub --help: exit 0, usage on stdout listing every option" {
	check_help "$MQSUB" $COMMON_OPTS $SUB_OPTS
}

@test "--version prints 'mqpub 0.1.0' / 'mqsub 0.1.0' and exits 0" {
	run --separate-stderr timeout 10 "$MQPUB" --version
	assert_success
	assert_line --index 0 "mqpub 0.1.0"
	run --separate-stderr timeout 10 "$MQSUB" --version
	assert_success
	assert_line --index 0 "mqsub 0.1.0"
}

@test "mqpub: no input mode is a usage error (exit 2)" {
	usage_error mqpub -t a/b
}

@test "mqpub: two input modes are a usage error (exit 2)" {
	printf 'x' > "$T/f"
	usage_error mqpub -t a/b -m x -n
	usage_error mqpub -t a/b -m x -l
	usage_error mqpub -t a/b -f "$T/f" -s
	usage_error mqpub -t a/b -l -s
	usage_error mqpub -t a/b -n -f "$T/f"
	usage_error mqpub -t a/b -m x -m y -n
}

@test "mqpub: missing -t is a usage error (exit 2)" {
	usage_error mqpub -m x
}

@test "mqpub: wildcard topic is refused with one line naming the topic problem" {
	local t
	for t in 'a/#' '#' 'a/+/b' '+'; do
		usage_error mqpub -t "$t" -m x
		assert_stderr_match 'topic'
	done
}

@test "mqpub: empty topic is refused with one line naming the topic problem" {
	usage_error mqpub -t '' -m x
	assert_stderr_match 'topic'
}

@test "mqpub: -f with a missing file: exit 2, message names the file" {
	usage_error mqpub -t a/b -f "$T/does-not-exist"
	assert_stderr_match 'does-not-exist'
}

@test "mqpub: -f with an unreadable file (a directory): exit 2" {
	mkdir "$T/adir"
	usage_error mqpub -t a/b -f "$T/adir"
	assert_stderr_match 'adir'
}

@test "unknown flag: exit 2 (both tools)" {
	usage_error mqpub --bogus-flag -t a -m x
	usage_error mqpub -Z -t a -m x
	usage_error mqsub --bogus-flag -t a
	usage_error mqsub -Z -t a
}

@test "bad --qos value: exit 2 (both tools)" {
	local q
	for q in 3 -1 x 1x ''; do
		usage_error mqpub -t a -m x -q "$q"
		usage_error mqsub -t a -q "$q"
	done
}

@test "bad --port value: exit 2" {
	local p
	for p in 65536 abc -1 ''; do
		usage_error mqpub -t a -m x -p "$p"
		usage_error mqsub -t a -p "$p"
	done
}

@test "bad --keepalive value: exit 2 (0..65535)" {
	local k
	for k in 65536 -1 abc; do
		usage_error mqpub -t a -m x -k "$k"
		usage_error mqsub -t a -k "$k"
	done
}

@test "bad --protocol-version: exit 2 (only 311, 5, mqttv311, mqttv5)" {
	local v
	for v in 4 3 31 mqttv6 ''; do
		usage_error mqpub -t a -m x -V "$v"
		usage_error mqsub -t a -V "$v"
	done
}

@test "-c without -i: exit 2 (both tools)" {
	usage_error mqpub -c -t a -m x
	usage_error mqsub -c -t a
}

@test "bad URL: exit 2" {
	local u
	for u in 'http://127.0.0.1/a' 'mqtt://127.0.0.1:notaport/a' 'mqtt://127.0.0.1:70000/a' 'nonsense'; do
		usage_error mqpub -L "$u" -m x
		usage_error mqsub -L "$u"
	done
}

@test "mqsub: no -t is a usage error (exit 2)" {
	usage_error mqsub
	usage_error mqsub -v
}

@test "mqsub: malformed topic filter: exit 2" {
	local f
	for f in 'a/#/b' 'a#' 'a+/b' ''; do
		usage_error mqsub -t "$f"
	done
}

@test "bad numeric values for the other options: exit 2" {
	usage_error mqpub -t a -m x --will-topic w --will-qos 3
	usage_error mqpub -t a -m x --max-inflight 0
	usage_error mqpub -t a -m x --max-inflight 65536
	usage_error mqpub -t a -m x --reconnect-min abc
	usage_error mqpub -t a -m x --reconnect-tries -1
	usage_error mqpub -t a -m x -W abc
	usage_error mqsub -t a -C abc
	usage_error mqsub -t a -W abc
	usage_error mqsub -t a -x abc
}

@test "--password-file that does not exist: exit 2" {
	usage_error mqpub -t a -m x -u alice --password-file "$T/no-such-pwfile"
	usage_error mqsub -t a -u alice --password-file "$T/no-such-pwfile"
}

@test "-V accepts 311, 5, mqttv311 and mqttv5 (a valid value is not a usage error)" {
	# Against a closed port: a valid version gets past parsing and fails to connect (1).
	local v
	for v in 311 5 mqttv311 mqttv5; do
		run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$DEAD_PORT" -V "$v" -t a -m x
		[ "$status" -eq 1 ] || fail "-V $v => exit $status, want 1 (closed port); stderr: $stderr"
	done
}

@test "edge values in range are accepted (not a usage error)" {
	# Against a closed port: valid values get past parsing and fail to connect (1).
	local args
	for args in "-k 65535" "-k 0" "-q 2" "--max-inflight 65535" "--max-inflight 1" \
		"--reconnect-tries 0" "-x 4294967295" "--will-topic w --will-qos 2"; do
		# shellcheck disable=SC2086
		run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$DEAD_PORT" $args -t a -m x
		[ "$status" -eq 1 ] || fail "mqpub $args => exit $status, want 1 (closed port); stderr: $stderr"
	done
}

@test "-c with an empty client id (-i ''): exit 2, no state file written (both tools)" {
	usage_error mqpub -c -i '' -t a -m x
	assert_stderr_line mqpub 'non-empty client id'
	usage_error mqsub -c -i '' -t a
	[ ! -e "$XDG_STATE_HOME/mq/.state" ] || fail "a state file with an empty name was written"
	[ -z "$(ls -A "$XDG_STATE_HOME/mq" 2>/dev/null)" ] || fail "state dir not empty: $(ls -A "$XDG_STATE_HOME/mq")"
}

@test "-s/-l with standard input closed: exit 2 naming stdin, no hang (the signal pipe is not read as input)" {
	local mode
	for mode in -l -s; do
		# (bash -c: the redirection must reach mqpub, not bats' run)
		run --separate-stderr bash -c 'exec "$@" <&-' _ timeout 10 "$MQPUB" \
			-h 127.0.0.1 -p "$DEAD_PORT" -t a "$mode"
		[ "$status" -ne 124 ] || fail "mqpub $mode with stdin closed hung"
		[ "$status" -eq 2 ] || fail "mqpub $mode <&- => exit $status, want 2; stderr: $stderr"
		assert_stderr_line mqpub 'standard input is closed'
	done
	# With a message on the command line a closed stdin does not matter:
	# the closed port is what fails (exit 1), not a usage error.
	run --separate-stderr bash -c 'exec "$@" <&-' _ timeout 10 "$MQPUB" \
		-h 127.0.0.1 -p "$DEAD_PORT" -t a -m x
	assert_failure 1
}

@test "mqsub with standard output closed: exit 2, nothing acknowledged into the void" {
	run --separate-stderr bash -c 'exec "$@" >&-' _ timeout 10 "$MQSUB" \
		-h 127.0.0.1 -p "$DEAD_PORT" -t a
	assert_failure 2
	assert_stderr_line mqsub 'standard output is closed'
}

@test "-c with HOME and XDG_STATE_HOME unset: a warning that no state is kept" {
	run --separate-stderr env -u HOME -u XDG_STATE_HOME timeout 10 "$MQPUB" \
		-h 127.0.0.1 -p "$DEAD_PORT" -c -i nohome -t a -m x
	assert_failure 1   # the closed port
	[[ $stderr == *"warning: HOME and XDG_STATE_HOME are unset"*"--state-dir"* ]] ||
		fail "no warning; stderr: $stderr"
	# --state-dir makes it work without either, and without the warning
	run --separate-stderr env -u HOME -u XDG_STATE_HOME timeout 10 "$MQPUB" \
		-h 127.0.0.1 -p "$DEAD_PORT" -c -i nohome --state-dir "$T/sd" -t a -m x
	[[ $stderr != *warning* ]] || fail "warned with --state-dir: $stderr"
}

@test "a topic that is not UTF-8, or holds a newline, is echoed escaped on one line" {
	usage_error mqpub -t $'bad\xff/\n/x' -m x
	[[ $stderr == "mqpub: bad topic 'bad\\xFF/\\x0A/x': not valid UTF-8" ]] || fail "stderr: $stderr"
	usage_error mqsub -t $'f\xfe/#'
	[[ $stderr == "mqsub: bad topic filter 'f\\xFE/#'"* ]] || fail "stderr: $stderr"
}

@test "IPv6 addresses are written in brackets in messages" {
	run --separate-stderr timeout 10 "$MQPUB" -h ::1 -p "$DEAD_PORT" -t a -m x
	assert_failure 1
	assert_stderr_line mqpub "cannot connect to \[::1\]:$DEAD_PORT: "
}

@test "mosquitto's cheap flags are accepted: -M, -A, --quiet, --nodelay, --tls-use-os-certs, --tls-alpn, -x -1" {
	local bin
	for bin in "$MQPUB" "$MQSUB"; do
		run --separate-stderr timeout 10 "$bin" --help
		for f in '-M, --max-inflight' '-A, --bind-address' '--quiet' '--nodelay' \
			 '--tls-use-os-certs' '--tls-alpn'; do
			grep -qF -- "$f" <<<"$output" || fail "$bin --help lacks $f"
		done
	done
	# accepted, not usage errors: the closed port is what fails (exit 1)
	local args
	while IFS= read -r args; do
		# shellcheck disable=SC2086
		run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$DEAD_PORT" -t a -m x $args
		[ "$status" -eq 1 ] || fail "mqpub $args: exit $status: $stderr"
	done <<'EOF'
-M 5
--nodelay
-x -1
-V 5 -c -i x -x -1
-A 127.0.0.1
EOF
	# --quiet: the runtime error is not printed, the exit status says it
	run --separate-stderr timeout 10 "$MQPUB" -h 127.0.0.1 -p "$DEAD_PORT" -t a -m x --quiet
	assert_failure 1
	assert_stderr_empty
	# but a usage error still is
	usage_error mqpub -t a -m x --quiet -q 7
	usage_error mqpub -t a -m x -M 0
}

@test "-V 31 / mqttv31: MQTT 3.1 is not supported, said plainly" {
	usage_error mqpub -t a -m x -V mqttv31
	assert_stderr_line mqpub 'MQTT 3.1 is not supported \(use 311 or 5\)'
	usage_error mqsub -t a -V 31
	assert_stderr_line mqsub 'MQTT 3.1 is not supported'
}

@test "an error line goes to stderr in one write(), so concurrent runs never interleave inside a line" {
	strace -f -o /dev/null true 2>/dev/null || skip "strace cannot trace here (ptrace not allowed)"
	local prog bin msg
	for prog in mqpub mqsub; do
		case $prog in mqpub) bin=$MQPUB msg=(-m x) ;; mqsub) bin=$MQSUB msg=() ;; esac
		# a topic with an escaped byte and multi-byte UTF-8, and a
		# connection failure: a usage line and a runtime line
		run --separate-stderr strace -s 4096 -e trace=write -e signal=none -o "$T/$prog.usage" \
			"$bin" -h 127.0.0.1 -p "$DEAD_PORT" -t $'b\x01ä/#/x' "${msg[@]}"
		[ "$status" -eq 2 ] || fail "$prog bad topic: exit $status: $stderr"
		run --separate-stderr strace -s 4096 -e trace=write -e signal=none -o "$T/$prog.conn" \
			"$bin" -h 127.0.0.1 -p "$DEAD_PORT" -t ok "${msg[@]}"
		[ "$status" -eq 1 ] || fail "$prog dead port: exit $status: $stderr"
		local f
		for f in "$T/$prog.usage" "$T/$prog.conn"; do
			local writes
			writes=$(grep -c '^write(2,' "$f") || true
			[ "$writes" -eq 1 ] || fail "$prog wrote its error line in $writes writes: $(cat "$f")"
			grep -q "^write(2, \"$prog: .*\\\\n\", [0-9]*) = " "$f" || fail "not one whole line: $(cat "$f")"
		done
	done
}
