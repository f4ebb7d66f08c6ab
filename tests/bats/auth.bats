#!/usr/bin/env bats
# Credentials: -u/-P, --password-file, MQTT_PASSWORD, -L user:pass, exit 3
# on refusal, and the password wiped from argv.

load helpers

setup() {
	common_setup
	PWFILE=$(make_passwd alice s3cret-pw bob 'b0b pass')
	broker_start "password_file $PWFILE"
}

teardown() {
	common_teardown
}

@test "-u/-P with the right password: exit 0, message delivered" {
	SUB_CMD=mosquitto_sub sub_bg "$T/out" -u bob -P 'b0b pass' -t a/x -C 1
	run --separate-stderr pub -u alice -P s3cret-pw -t a/x -m hello
	assert_success
	wait_pid "$SUB_PID" 10 || fail "reference subscriber got nothing"
	assert_file_eq "$T/out" "hello
"
}

@test "-u/-P with a wrong password: exit 3 and the reason on stderr (MQTT 5 and 3.1.1)" {
	run --separate-stderr pub -V 5 -u alice -P wrong -t a/x -m hello
	assert_failure 3
	assert_stderr_line mqpub 'not authori[sz]ed|bad user ?name or password'
	run --separate-stderr pub -V 311 -u alice -P wrong -t a/x -m hello
	assert_failure 3
	assert_stderr_line mqpub 'not authori[sz]ed|bad user ?name or password'
}

@test "no credentials on a broker that needs them: exit 3 (both tools)" {
	run --separate-stderr pub -t a/x -m hello
	assert_failure 3
	assert_stderr_line mqpub
	run --separate-stderr sub -t a/x -E
	assert_failure 3
	assert_stderr_line mqsub
}

@test "mqsub -u/-P: right password subscribes (exit 0 with -E), wrong one exits 3" {
	run --separate-stderr sub -u alice -P s3cret-pw -t a/x -E
	assert_success
	run --separate-stderr sub -u alice -P nope -t a/x -E
	assert_failure 3
	assert_stderr_line mqsub 'not authori[sz]ed|bad user ?name or password'
}

@test "--password-file: first line, trailing newline stripped" {
	printf 's3cret-pw\n' > "$T/pw"
	run --separate-stderr pub -u alice --password-file "$T/pw" -t a/x -m x
	assert_success
	printf 'b0b pass\nsecond line ignored\n' > "$T/pw2"
	run --separate-stderr pub -u bob --password-file "$T/pw2" -t a/x -m x
	assert_success
	printf 's3cret-pw' > "$T/pw3"
	run --separate-stderr sub -u alice --password-file "$T/pw3" -t a/x -E
	assert_success
	printf 'wrong\n' > "$T/pw4"
	run --separate-stderr pub -u alice --password-file "$T/pw4" -t a/x -m x
	assert_failure 3
}

@test "MQTT_PASSWORD is used when neither -P nor --password-file is given" {
	MQTT_PASSWORD=s3cret-pw run --separate-stderr pub -u alice -t a/x -m x
	assert_success
	MQTT_PASSWORD=s3cret-pw run --separate-stderr sub -u alice -t a/x -E
	assert_success
	MQTT_PASSWORD=wrong run --separate-stderr pub -u alice -t a/x -m x
	assert_failure 3
}

@test "-P and --password-file take precedence over MQTT_PASSWORD" {
	MQTT_PASSWORD=wrong run --separate-stderr pub -u alice -P s3cret-pw -t a/x -m x
	assert_success
	printf 's3cret-pw\n' > "$T/pw"
	MQTT_PASSWORD=wrong run --separate-stderr pub -u alice --password-file "$T/pw" -t a/x -m x
	assert_success
}

@test "-L mqtt://user:pass@host:port/topic authenticates and publishes" {
	SUB_CMD=mosquitto_sub sub_bg "$T/out" -u bob -P 'b0b pass' -t url/t -C 1
	run --separate-stderr timeout 30 "$MQPUB" -L "mqtt://alice:s3cret-pw@127.0.0.1:$BROKER_PORT/url/t" -m viaurl
	assert_success
	wait_pid "$SUB_PID" 10 || fail "reference subscriber got nothing"
	assert_file_eq "$T/out" "viaurl
"
	run --separate-stderr timeout 30 "$MQPUB" -L "mqtt://alice:wrong@127.0.0.1:$BROKER_PORT/url/t" -m x
	assert_failure 3
	run --separate-stderr timeout 30 "$MQSUB" -L "mqtt://alice:s3cret-pw@127.0.0.1:$BROKER_PORT/url/t" -E
	assert_success
}

# cmdline_of PID: /proc/PID/cmdline with NULs as spaces.
cmdline_of() {
	tr '\0' ' ' < "/proc/$1/cmdline"
}

# psk_wiped PID: PID is mqsub (its topic a/psk in argv) and the PSK is gone.
psk_wiped() {
	local c
	c=$(cmdline_of "$1")
	[[ $c == *a/psk* && $c != *00112233* ]]
}

@test "the password is wiped from argv of a running mqsub in every spelling (ps cannot show it)" {
	local cmdline spelling i=0
	# Each line: the arguments that carry the password, as a user may write them.
	while IFS= read -r spelling; do
		i=$((i + 1))
		# shellcheck disable=SC2086
		sub_bg "$T/out$i" -u alice $spelling -t "a/wipe$i"
		cmdline=$(cmdline_of "$SUB_PID")
		[[ $cmdline == *a/wipe$i* ]] || fail "not the mqsub process: $cmdline"
		[[ $cmdline != *s3cret-pw* ]] || fail "'$spelling': password visible in /proc/$SUB_PID/cmdline: $cmdline"
		[[ $(ps -o args= -p "$SUB_PID") != *s3cret-pw* ]] || fail "'$spelling': password visible in ps"
		# Only the password's own bytes are blanked: the option stays.
		case $spelling in
		-vP*) [[ $cmdline == *-vP* ]] || fail "'$spelling': more than the secret was wiped: $cmdline" ;;
		--pw=*) [[ $cmdline == *--pw=* ]] || fail "'$spelling': more than the secret was wiped: $cmdline" ;;
		esac
		kill "$SUB_PID"
	done <<'EOF'
-P s3cret-pw
-Ps3cret-pw
-vPs3cret-pw
--pw s3cret-pw
--pw=s3cret-pw
--password-file /dev/null -P s3cret-pw
EOF
}

@test "the password of an -L URL is wiped from argv, the rest of the URL kept" {
	local cmdline from
	from=$(log_lines)
	"$MQSUB" -L "mqtt://alice:s3cret-pw@127.0.0.1:$BROKER_PORT/a/url-wipe" >"$T/out" 2>"$T/err" &
	SUB_PID=$!
	bg_track "$SUB_PID"
	wait_subscribed "$from" "$SUB_PID" a/url-wipe
	cmdline=$(cmdline_of "$SUB_PID")
	[[ $cmdline == *mqtt://alice:*@127.0.0.1:$BROKER_PORT/a/url-wipe* ]] || fail "URL mangled: $cmdline"
	[[ $cmdline != *s3cret-pw* ]] || fail "URL password visible: $cmdline"
}

@test "--psk is wiped from argv in both spellings" {
	local port pid cmdline spelling
	# A listener that accepts and never answers keeps mqsub in its TLS
	# handshake long enough to read its command line.
	"$PYTHON" -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    conns.append(s.accept()[0])
' > "$T/silent.port" &
	bg_track $!
	for _ in $(seq 100); do [ -s "$T/silent.port" ] && break; sleep 0.05; done
	port=$(cat "$T/silent.port")
	for spelling in "--psk 00112233445566778899aabbccddeeff" "--psk=00112233445566778899aabbccddeeff"; do
		# shellcheck disable=SC2086
		"$MQSUB" -p "$port" --psk-identity me $spelling -t a/psk 2>/dev/null &
		pid=$!
		bg_track "$pid"
		# argv shows the PSK until mqsub has wiped it, early in start-up
		wait_until 10 psk_wiped "$pid" ||
			fail "'$spelling': PSK visible in /proc/$pid/cmdline: $(cmdline_of "$pid")"
		kill "$pid"
	done
}

@test "credentials refused on a reconnect: exit 3 at once, no retrying" {
	local start el
	sub_bg "$T/out" -u alice -P s3cret-pw -t a/re
	# Same broker, same port, but alice's password has changed.
	mosquitto_passwd -b "$PWFILE" alice changed >/dev/null
	start=$(now_ms)
	broker_restart
	wait_pid "$SUB_PID" 10 || fail "mqsub still running 10 s after its credentials were refused"
	el=$(( $(now_ms) - start ))
	[ "$WAIT_STATUS" -eq 3 ] || fail "exit $WAIT_STATUS, want 3; stderr: $(cat "$T/out.err")"
	grep -qiE 'not authori[sz]ed|bad user ?name or password' "$T/out.err" || fail "no reason on stderr: $(cat "$T/out.err")"
	(( el < 5000 )) || fail "took ${el} ms"
}
