# helpers.bash - shared harness for the mqpub/mqsub end-to-end tests.
#
# Every test gets its own mosquitto on 127.0.0.1, on a port picked by binding
# port 0 and reading the real port back, with a private config, log and
# persistence directory under $BATS_TEST_TMPDIR.  Every wait is bounded.
# teardown() kills whatever the test started, even when the test failed.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

bats_require_minimum_version 1.5.0

REPO_ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
# Overridable, e.g. MQPUB=build-san/bin/mqpub to run the suite on the ASan build.
MQPUB="${MQPUB:-$REPO_ROOT/build/bin/mqpub}"
MQSUB="${MQSUB:-$REPO_ROOT/build/bin/mqsub}"
MOSQUITTO="${MOSQUITTO:-/usr/sbin/mosquitto}"
# The system interpreter: a pyenv shim costs a second per start.
if [ -z "${PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
export MQPUB MQSUB

# ---------------------------------------------------------------- lifecycle

# common_setup: fresh per-test state; call from setup().
common_setup() {
	BG_PIDS=()
	BROKER_PID=
	BROKER_PORT=
	BROKER_DIR="$BATS_TEST_TMPDIR/broker"
	BROKER_LOG="$BROKER_DIR/mosquitto.log"
	T="$BATS_TEST_TMPDIR"
	mkdir -p "$BROKER_DIR"
	# -c keeps session state under $XDG_STATE_HOME/mq: keep it per test.
	export XDG_STATE_HOME="$BATS_TEST_TMPDIR/state"
	# No user's config file or profile: each test writes its own.
	export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/config"
	unset MQ_PROFILE MQTT_PASSWORD
	# A missing binary is a failure, not a skip: `make check` builds first.
	[ -x "$MQPUB" ] || fail "mqpub not built ($MQPUB)"
	[ -x "$MQSUB" ] || fail "mqsub not built ($MQSUB)"
}

# common_teardown: kill tracked background processes, then the broker.
# On failure, show the tail of the broker log: it is the best witness.
common_teardown() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${BG_PIDS[@]}"; do
		wait_pid "$p" 3 || { kill -KILL "$p" 2>/dev/null || true; }
	done
	broker_stop
	# and any other mosquitto this test ran on its private config
	pkill -KILL -f -- "-c $BROKER_DIR/mosquitto.conf" 2>/dev/null || true
}

# bg_track PID: kill PID on teardown.
bg_track() {
	BG_PIDS+=("$1")
}

# alive PID: true while PID runs (not a zombie).
alive() {
	local st
	kill -0 "$1" 2>/dev/null || return 1
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ "$st" != Z ]
}

# wait_pid PID TIMEOUT: wait up to TIMEOUT seconds for PID (a child of this
# shell) to end; sets WAIT_STATUS to its exit status.  Returns 1 on timeout.
wait_pid() {
	local pid=$1 timeout=$2 end
	end=$(( $(date +%s%N) / 1000000 + timeout * 1000 ))
	WAIT_STATUS=
	while alive "$pid"; do
		if (( $(date +%s%N) / 1000000 >= end )); then
			return 1
		fi
		sleep 0.02
	done
	if wait "$pid" 2>/dev/null; then WAIT_STATUS=0; else WAIT_STATUS=$?; fi
	return 0
}

# wait_until TIMEOUT COMMAND...: run COMMAND every 20 ms until it succeeds;
# returns 1 if it has not within TIMEOUT seconds.  For waiting on what a
# process has done, never on how long it might take.
wait_until() {
	local end=$(( $(date +%s%N) / 1000000 + $1 * 1000 ))
	shift
	until "$@"; do
		(( $(date +%s%N) / 1000000 < end )) || return 1
		sleep 0.02
	done
}

# now_ms: wall clock in milliseconds.
now_ms() {
	echo $(( $(date +%s%N) / 1000000 ))
}

# ---------------------------------------------------------------- broker

# free_port: a port that was free on 127.0.0.1 a moment ago (bind 0, read back).
free_port() {
	"$PYTHON" - <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# port_open PORT: true when something accepts on 127.0.0.1:PORT.
port_open() {
	(exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# broker_write_conf: (re)write the private config from BROKER_PORT/BROKER_EXTRA.
broker_write_conf() {
	local anon=true line
	for line in "${BROKER_EXTRA[@]}"; do
		case $line in password_file*) anon=false ;; esac
	done
	for line in "${BROKER_EXTRA[@]}"; do
		case $line in allow_anonymous*) anon= ;; esac
	done
	{
		echo "listener $BROKER_PORT 127.0.0.1"
		echo "user root"
		echo "log_dest file $BROKER_LOG"
		echo "log_type all"
		echo "connection_messages true"
		echo "persistence_location $BROKER_DIR/"
		echo "persistence_file mosquitto.db"
		[ -n "$anon" ] && echo "allow_anonymous $anon"
		for line in "${BROKER_EXTRA[@]}"; do
			echo "$line"
		done
	} > "$BROKER_DIR/mosquitto.conf"
}

# broker_launch: start mosquitto on BROKER_PORT with the written config and
# wait (10 s at most) until it accepts connections.  1 if it died or hung.
broker_launch() {
	local end
	"$MOSQUITTO" -c "$BROKER_DIR/mosquitto.conf" \
		>>"$BROKER_DIR/stdout" 2>>"$BROKER_DIR/stderr" 3>&- &
	BROKER_PID=$!
	end=$(( $(now_ms) + 10000 ))
	while (( $(now_ms) < end )); do
		if ! alive "$BROKER_PID"; then
			wait "$BROKER_PID" 2>/dev/null || true
			BROKER_PID=
			return 1
		fi
		if port_open "$BROKER_PORT"; then
			export BROKER_PORT BROKER_PID
			return 0
		fi
		sleep 0.02
	done
	kill -KILL "$BROKER_PID" 2>/dev/null
	BROKER_PID=
	return 1
}

# broker_start [CONFIG LINE...]: start a private mosquitto on a free port.
# Extra arguments are appended to the config verbatim ("persistence true",
# "password_file FILE", "max_queued_messages 0", ...).  A password_file turns
# allow_anonymous off unless an allow_anonymous line is given.
broker_start() {
	local try
	broker_stop   # one broker per test: a second start replaces the first
	BROKER_EXTRA=("$@")
	for try in 1 2 3 4 5; do
		BROKER_PORT=$(free_port)
		broker_write_conf
		if broker_launch; then
			return 0
		fi
	done
	echo "broker_start: mosquitto would not start; stderr:" >&2
	cat "$BROKER_DIR/stderr" >&2
	tail -n 20 "$BROKER_LOG" >&2 2>/dev/null
	return 1
}

# broker_stop: SIGTERM (mosquitto saves persistence on the way out), bounded.
broker_stop() {
	if [ -n "$BROKER_PID" ]; then
		kill -TERM "$BROKER_PID" 2>/dev/null
		if ! wait_pid "$BROKER_PID" 10; then
			kill -KILL "$BROKER_PID" 2>/dev/null
			wait_pid "$BROKER_PID" 5
		fi
		BROKER_PID=
	fi
}

# broker_restart: stop, then start again on the same port with the same
# config and persistence directory.
broker_restart() {
	local end
	broker_stop
	end=$(( $(now_ms) + 10000 ))
	while (( $(now_ms) < end )); do
		broker_launch && return 0
		sleep 0.1
	done
	echo "broker_restart: could not restart mosquitto on port $BROKER_PORT" >&2
	return 1
}

# make_passwd USER PASS [USER PASS...]: write $BROKER_DIR/passwd, print its path.
make_passwd() {
	local f="$BROKER_DIR/passwd"
	rm -f "$f"
	mosquitto_passwd -b -c "$f" "$1" "$2" >/dev/null || return 1
	shift 2
	while [ $# -ge 2 ]; do
		mosquitto_passwd -b "$f" "$1" "$2" >/dev/null || return 1
		shift 2
	done
	echo "$f"
}

# dynsec_plugin: path of mosquitto's dynamic security plugin, or fail.
dynsec_plugin() {
	local f
	for f in /usr/lib/*/mosquitto_dynamic_security.so /usr/lib/mosquitto_dynamic_security.so; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

# make_dynsec: config lines for a broker whose anonymous clients may not
# subscribe to secret/# nor publish to ro/#.  mosquitto 2.0's acl_file grants
# denied subscriptions (then silently drops messages); the dynamic security
# plugin is what makes it answer SUBACK 0x87 / 0x80 and PUBACK 0x87.
make_dynsec() {
	local plugin f="$BROKER_DIR/dynsec.json"
	plugin=$(dynsec_plugin) || return 1
	cat > "$f" <<'EOF'
{
 "defaultACLAccess": {"publishClientSend": true, "publishClientReceive": true,
                      "subscribe": true, "unsubscribe": true},
 "clients": [],
 "groups": [{"groupname": "anon", "roles": [{"rolename": "restricted"}]}],
 "roles": [{"rolename": "restricted", "acls": [
   {"acltype": "subscribePattern", "topic": "secret/#", "priority": 0, "allow": false},
   {"acltype": "publishClientSend", "topic": "ro/#", "priority": 0, "allow": false}]}],
 "anonymousGroup": "anon"
}
EOF
	printf '%s\n' "plugin $plugin" "plugin_opt_config_file $f"
}

# ---------------------------------------------------------------- waiting

# log_lines: number of lines in the broker log so far.
log_lines() {
	if [ -f "$BROKER_LOG" ]; then wc -l < "$BROKER_LOG"; else echo 0; fi
}

# wait_log REGEX COUNT TIMEOUT: wait until the broker log has COUNT lines
# matching the extended REGEX.  (Bats runs with set -e: a count of 0 makes
# grep -c fail, hence the "|| true" on the polls below.)
wait_log() {
	local re=$1 n=$2 timeout=$3 end c
	end=$(( $(now_ms) + timeout * 1000 ))
	while :; do
		c=$(grep -cE -- "$re" "$BROKER_LOG" 2>/dev/null) || true
		(( ${c:-0} >= n )) && return 0
		if (( $(now_ms) >= end )); then
			echo "wait_log: '$re' seen ${c:-0} times, wanted $n within ${timeout}s" >&2
			return 1
		fi
		sleep 0.02
	done
}

# wait_unique FILE N TIMEOUT: wait until FILE holds at least N distinct lines.
wait_unique() {
	local f=$1 n=$2 timeout=$3 end c
	end=$(( $(now_ms) + timeout * 1000 ))
	while :; do
		c=$(sort -u "$f" 2>/dev/null | wc -l)
		(( c >= n )) && return 0
		if (( $(now_ms) >= end )); then
			echo "wait_unique: $f has $c distinct lines, wanted $n within ${timeout}s" >&2
			return 1
		fi
		sleep 0.2
	done
}

# wait_for_lines FILE N TIMEOUT: wait until FILE has at least N lines.
wait_for_lines() {
	local f=$1 n=$2 timeout=$3 end c
	end=$(( $(now_ms) + timeout * 1000 ))
	while :; do
		c=$(wc -l < "$f" 2>/dev/null) || true
		(( ${c:-0} >= n )) && return 0
		if (( $(now_ms) >= end )); then
			echo "wait_for_lines: $f has ${c:-0} lines, wanted $n within ${timeout}s" >&2
			return 1
		fi
		sleep 0.02
	done
}

# wait_for_bytes FILE N TIMEOUT: wait until FILE has at least N bytes.
wait_for_bytes() {
	local f=$1 n=$2 timeout=$3 end c
	end=$(( $(now_ms) + timeout * 1000 ))
	while :; do
		c=$(stat -c %s "$f" 2>/dev/null) || true
		(( ${c:-0} >= n )) && return 0
		if (( $(now_ms) >= end )); then
			echo "wait_for_bytes: $f has ${c:-0} bytes, wanted $n within ${timeout}s" >&2
			return 1
		fi
		sleep 0.02
	done
}

# wait_subscribed FROMLINE PID [FILTER...]: wait (10 s) until the broker log,
# after line FROMLINE, shows a SUBSCRIBE for every FILTER followed by a SUBACK
# (any SUBACK when no filter is given).  Fails early if PID dies.
wait_subscribed() {
	local from=$1 pid=$2 end f n last sub
	shift 2
	end=$(( $(now_ms) + 10000 ))
	while :; do
		last=0
		for f in "$@"; do
			n=$(tail -n +"$((from + 1))" "$BROKER_LOG" | grep -nF -- "$(printf '\t%s (QoS' "$f")" \
				| tail -n 1 | cut -d: -f1)
			if [ -z "$n" ]; then last=-1; break; fi
			(( n > last )) && last=$n
		done
		if (( last >= 0 )); then
			sub=$(tail -n +"$((from + 1))" "$BROKER_LOG" | grep -n 'Sending SUBACK to' \
				| tail -n 1 | cut -d: -f1)
			if [ -n "$sub" ] && (( sub > last )); then
				return 0
			fi
		fi
		if ! alive "$pid"; then
			echo "wait_subscribed: subscriber $pid exited before subscribing" >&2
			return 1
		fi
		if (( $(now_ms) >= end )); then
			echo "wait_subscribed: no SUBACK for [$*] within 10s" >&2
			return 1
		fi
		sleep 0.02
	done
}

# wait_end FILE PID: after an "end" message was published behind the ones
# a test expects, wait (20 s) until FILE, the output of subscriber PID,
# shows it (a line "end" or "TOPIC end"); then stop PID and drop that line.
# Whatever the broker took before "end" has reached FILE by then: a test
# need not guess how long a subscriber with -W should listen.
wait_end() {
	local f=$1 pid=$2
	if ! wait_until 20 grep -qE '(^| )end$' "$f"; then
		echo "wait_end: no end in $f: $(head -c 300 "$f")" >&2
		return 1
	fi
	kill "$pid" 2>/dev/null || true
	wait_pid "$pid" 5 || true
	sed -i -E '/(^| )end$/d' "$f"
}

# sub_bg OUTFILE [ARGS...]: start a background subscriber against the test
# broker (mqsub, or $SUB_CMD e.g. mosquitto_sub as a reference peer), stdout
# to OUTFILE, stderr to OUTFILE.err; wait until the broker has acknowledged
# its subscriptions.  Sets SUB_PID.  -h/-p are supplied.
sub_bg() {
	local out=$1 cmd=${SUB_CMD:-$MQSUB} from prev= a filters=()
	shift
	for a in "$@"; do
		case $prev in -t|--topic) filters+=("$a") ;; esac
		prev=$a
	done
	from=$(log_lines)
	"$cmd" -h 127.0.0.1 -p "$BROKER_PORT" "$@" >"$out" 2>"$out.err" 3>&- &
	SUB_PID=$!
	bg_track "$SUB_PID"
	if ! wait_subscribed "$from" "$SUB_PID" "${filters[@]}"; then
		echo "--- subscriber stderr:" >&2
		cat "$out.err" >&2
		return 1
	fi
}

# ---------------------------------------------------------------- fault proxy

FAULT_DIR="$REPO_ROOT/tests/fault"

# proxy_start: a proxy.py in front of the test broker, logging to
# $T/proxy.log; sets PROXY_PORT, PROXY_CTL, PROXY_PID.
proxy_start() {
	local out="$T/proxy.port" end
	"$PYTHON" "$FAULT_DIR/proxy.py" --upstream "$BROKER_PORT" --log "$T/proxy.log" \
		>"$out" 2>"$T/proxy.err" 3>&- &
	PROXY_PID=$!
	bg_track "$PROXY_PID"
	end=$(( $(now_ms) + 10000 ))
	while ! [ -s "$out" ]; do
		alive "$PROXY_PID" || { cat "$T/proxy.err" >&2; return 1; }
		(( $(now_ms) < end )) || { echo "proxy_start: no port within 10 s" >&2; return 1; }
		sleep 0.02
	done
	read -r PROXY_PORT PROXY_CTL < "$out"
}

# ctl COMMAND...: send one control command, print the reply line.
ctl() {
	local fd reply
	exec {fd}<>"/dev/tcp/127.0.0.1/$PROXY_CTL" || return 1
	printf '%s\n' "$*" >&"$fd"
	IFS= read -r -t 30 reply <&"$fd" || reply="err no reply"
	exec {fd}>&-
	printf '%s\n' "$reply"
}

# ---------------------------------------------------------------- commands

# pub/sub: our tools against the test broker, bounded.
pub() {
	timeout 30 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" "$@"
}
sub() {
	timeout 30 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" "$@"
}
# rpub/rsub: mosquitto's own clients as independent reference peers.
rpub() {
	timeout 30 mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" "$@"
}
rsub() {
	timeout 30 mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" "$@"
}

# ---------------------------------------------------------------- asserts

# assert_stderr_line PROG [REGEX]: after `run --separate-stderr`, stderr is
# exactly one line, "PROG: ...", matching REGEX (extended, case-insensitive).
assert_stderr_line() {
	local prog=$1 re=${2:-}
	if (( ${#stderr_lines[@]} != 1 )); then
		fail "expected exactly one line on stderr, got ${#stderr_lines[@]}:
$stderr"
	fi
	if [[ ${stderr_lines[0]} != "$prog: "* ]]; then
		fail "stderr does not start with '$prog: ': $stderr"
	fi
	if [ -n "$re" ] && ! grep -qiE -- "$re" <<<"$stderr"; then
		fail "stderr does not match /$re/i: $stderr"
	fi
}

# assert_stderr_match REGEX: stderr (after --separate-stderr) matches REGEX (ERE, -i).
assert_stderr_match() {
	grep -qiE -- "$1" <<<"$stderr" || fail "stderr does not match /$1/i:
$stderr"
}

# assert_stderr_empty: nothing was written on stderr.
assert_stderr_empty() {
	[ -z "$stderr" ] || fail "expected empty stderr, got:
$stderr"
}

# assert_file_eq FILE EXPECTED: FILE's content equals EXPECTED byte for byte.
assert_file_eq() {
	local got
	got=$(cat "$1"; printf x)
	got=${got%x}
	[ "$got" = "$2" ] || fail "content of $1 differs
expected: $(printf '%q' "$2")
actual:   $(printf '%q' "$got")"
}

# sha FILE: sha256 of FILE.
sha() {
	sha256sum < "$1" | cut -d' ' -f1
}

# ---------------------------------------------------------------- fake broker

# fake_broker MODE: run tests/bats/fake-broker.py MODE on a free port in the
# background; sets FAKE_PORT and FAKE_PID.
fake_broker() {
	local out="$T/fake.$1.port" end
	"$PYTHON" "$BATS_TEST_DIRNAME/fake-broker.py" "$1" >"$out" 2>"$T/fake.$1.err" 3>&- &
	FAKE_PID=$!
	bg_track "$FAKE_PID"
	end=$(( $(now_ms) + 10000 ))
	while ! [ -s "$out" ]; do
		alive "$FAKE_PID" || { cat "$T/fake.$1.err" >&2; return 1; }
		(( $(now_ms) < end )) || return 1
		sleep 0.02
	done
	FAKE_PORT=$(head -n 1 "$out")
}
