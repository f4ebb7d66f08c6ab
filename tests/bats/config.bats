#!/usr/bin/env bats
# Issue 13: the config file (profiles, precedence, errors, permissions) and
# every way of giving a password, none of which leaks it.

load helpers

setup() {
	common_setup
	PWFILE=$(make_passwd alice s3cret-pw bob 'b0b pass')
	broker_start "password_file $PWFILE"
	CONF_DIR="$XDG_CONFIG_HOME/mq"
	CONF="$CONF_DIR/config"
	mkdir -p "$CONF_DIR"
}

teardown() {
	common_teardown
}

# conf TEXT: write the default config file, mode 600.
conf() {
	printf '%s\n' "$1" > "$CONF"
	chmod 600 "$CONF"
}

# cpub/csub: our tools with no -h/-p: the config file names the broker.
cpub() { timeout 30 "$MQPUB" "$@"; }
csub() { timeout 30 "$MQSUB" "$@"; }

@test "a profile gives host, port, user name and password; --profile and MQ_PROFILE pick it" {
	conf "[profile home]
host = 127.0.0.1
port = $BROKER_PORT
username = alice
pw = s3cret-pw"
	SUB_CMD=mosquitto_sub sub_bg "$T/out" -u bob -P 'b0b pass' -t p/x -C 2
	run --separate-stderr cpub --profile home -t p/x -m one
	assert_success
	MQ_PROFILE=home run --separate-stderr cpub -t p/x -m two
	assert_success
	wait_pid "$SUB_PID" 10 || fail "reference subscriber did not get both"
	assert_file_eq "$T/out" "one
two
"
	MQ_PROFILE=home run --separate-stderr csub -t p/x -E
	assert_success
}

@test "-L mqtt://@NAME/topic names a profile (both tools); an unknown one is exit 2" {
	conf "[profile home]
host = 127.0.0.1
port = $BROKER_PORT
username = alice
pw = s3cret-pw"
	sub_bg "$T/out" -L "mqtt://@home/u/%23" -C 1
	run --separate-stderr cpub -L "mqtt://@home/u/x" -m viaprofile
	assert_success
	wait_pid "$SUB_PID" 10 || fail "subscriber got nothing"
	assert_file_eq "$T/out" "viaprofile
"
	run --separate-stderr cpub -L "mqtt://@work/u/x" -m x
	assert_failure 2
	assert_stderr_line mqpub "unknown profile 'work' \\(known: home\\)"
}

@test "precedence: command line > environment > profile > default section > built-in" {
	conf "username = alice
pw = wrong
port = 1
host = 127.0.0.1

[profile good]
pw = s3cret-pw
port = $BROKER_PORT

[profile badpw]
pw = wrong
port = $BROKER_PORT

[profile other]
port = $BROKER_PORT
username = bob"
	# the default section alone: its port 1 is refused
	run --separate-stderr cpub -t a/x -m x
	assert_failure 1
	# the command line overrides the default section
	run --separate-stderr cpub -p "$BROKER_PORT" -P s3cret-pw -t a/x -m x
	assert_success
	# profile > default section (password and port)
	run --separate-stderr cpub --profile good -t a/x -m x
	assert_success
	# environment > profile
	MQTT_PASSWORD=s3cret-pw run --separate-stderr cpub --profile badpw -t a/x -m x
	assert_success
	MQTT_PASSWORD=wrong run --separate-stderr cpub --profile good -t a/x -m x
	assert_failure 3
	# command line > environment
	MQTT_PASSWORD=wrong run --separate-stderr cpub --profile badpw -P s3cret-pw -t a/x -m x
	assert_success
	run --separate-stderr cpub --profile good --password-file /dev/null -t a/x -m x
	assert_failure 3
	# --profile > MQ_PROFILE
	MQ_PROFILE=badpw run --separate-stderr cpub --profile good -t a/x -m x
	assert_success
	# -h on the command line beats the file's host, -L too
	run --separate-stderr cpub --profile good -h 127.0.0.1 -t a/x -m x
	assert_success
	run --separate-stderr cpub --profile good -L "mqtt://127.0.0.1:$BROKER_PORT/a/x" -m x
	assert_success
	# built-in default: without a file, localhost:1883 and no user
	run --separate-stderr cpub --no-config -p "$BROKER_PORT" -t a/x -m x
	assert_failure 3
}

@test "config errors name the file, the line and the key; all exit 2" {
	conf "port = 99999"
	run --separate-stderr cpub -t a/x -m x
	assert_failure 2
	assert_stderr_line mqpub "$CONF:1: port: bad value for --port: '99999'"
	conf "# comment

[profile a]
qos = 1
colour = blue"
	run --separate-stderr csub -t a/x
	assert_failure 2
	assert_stderr_line mqsub "$CONF:5: unknown key 'colour'"
	conf "topic = a/b"
	run --separate-stderr cpub -m x
	assert_failure 2
	assert_stderr_line mqpub "$CONF:1: unknown key 'topic'"
	conf "[profile a]
protocol-version = 4"
	run --separate-stderr cpub --profile a -t a/x -m x
	assert_failure 2
	assert_stderr_line mqpub "$CONF:2: protocol-version: bad protocol version '4'"
	conf "[profile a]
no-clean = maybe"
	run --separate-stderr cpub --profile a -t a/x -m x
	assert_failure 2
	assert_stderr_line mqpub "$CONF:2: no-clean: bad value 'maybe'"
	conf "[profile a]
qos = 1
[profile b]
qos = 2"
	run --separate-stderr cpub --profile c -t a/x -m x
	assert_failure 2
	assert_stderr_line mqpub "$CONF: unknown profile 'c' \(known: a, b\)"
	conf "[broker]
qos = 1"
	run --separate-stderr cpub -t a/x -m x
	assert_failure 2
	assert_stderr_line mqpub "$CONF:2: unknown section \[broker\]"
	conf "qos 1"
	run --separate-stderr cpub -t a/x -m x
	assert_failure 2
	assert_stderr_line mqpub "$CONF:1: syntax error"
	conf "qos = 1
password-command = echo $(printf '%0300d' 0)"
	run --separate-stderr cpub -t a/x -m x
	assert_failure 2
	assert_stderr_line mqpub "$CONF:2: line longer than [0-9]+ bytes"
}

@test "a profile without a file, or a missing --config file: exit 2" {
	run --separate-stderr cpub --profile home -t a/x -m x
	assert_failure 2
	assert_stderr_line mqpub "profile 'home' given but no config file \($CONF\)"
	conf "[profile home]
qos = 1"
	MQ_PROFILE=home run --separate-stderr cpub --no-config -t a/x -m x
	assert_failure 2
	assert_stderr_line mqpub "profile 'home' given but no config file \(--no-config\)"
	run --separate-stderr csub --config "$T/nope" -t a/x
	assert_failure 2
	assert_stderr_line mqsub "cannot read config file '$T/nope'"
}

@test "--config FILE replaces the default file; --no-config ignores it" {
	conf "port = 1"
	printf '[profile x]\nport = %s\nusername = alice\npw = s3cret-pw\n' "$BROKER_PORT" > "$T/other"
	chmod 600 "$T/other"
	run --separate-stderr cpub --config "$T/other" --profile x -h 127.0.0.1 -t a/x -m x
	assert_success
	run --separate-stderr cpub --no-config -h 127.0.0.1 -p "$BROKER_PORT" -u alice -P s3cret-pw -t a/x -m x
	assert_success
	run --separate-stderr cpub -h 127.0.0.1 -u alice -P s3cret-pw -t a/x -m x
	assert_failure 1
}

@test "--list-profiles prints the profile names (both tools); --no-config lists none" {
	conf "qos = 1
[profile home]
qos = 1
[profile staging]
qos = 2
[profile home]
keepalive = 10"
	run --separate-stderr cpub --list-profiles
	assert_success
	assert_output "home
staging"
	run --separate-stderr csub --list-profiles
	assert_success
	assert_output "home
staging"
	run --separate-stderr csub --no-config --list-profiles
	assert_success
	assert_output ""
}

@test "a password in a file others can read, or a key file others can read: a one-line warning" {
	conf "[profile a]
host = 127.0.0.1
port = $BROKER_PORT
username = alice
pw = s3cret-pw"
	run --separate-stderr cpub --profile a -t a/x -m x
	assert_success
	assert_stderr_empty
	chmod 640 "$CONF"
	run --separate-stderr cpub --profile a -t a/x -m x
	assert_success
	assert_stderr_line mqpub "warning: $CONF holds a password and others can read it"
	printf 'key\n' > "$T/client.key"
	chmod 644 "$T/client.key"
	conf "key = $T/client.key
cert = $T/client.key"
	run --separate-stderr cpub --list-profiles
	run --separate-stderr cpub -t a/x -m x
	assert_failure 2
	assert_stderr_match "warning: $CONF names key file $T/client.key, which others can read"
}

@test "password-command: run once, its first line is the password; its failure exits 2" {
	conf "[profile c]
host = 127.0.0.1
port = $BROKER_PORT
username = alice
password-command = echo run >> '$T/runs'; printf 's3cret-pw\\nignored\\n'
[profile fails]
host = 127.0.0.1
port = $BROKER_PORT
username = alice
password-command = echo oops >&2; exit 3"
	run --separate-stderr cpub --profile c -t a/x -m x
	assert_success
	assert_file_eq "$T/runs" "run
"
	run --separate-stderr csub --profile c -t a/x -E
	assert_success
	run --separate-stderr cpub --profile fails -t a/x -m x
	assert_failure 2
	[[ $stderr == *oops* ]] || fail "the command's stderr is not passed on: $stderr"
	[[ $stderr == *"mqpub: password-command 'echo oops >&2; exit 3' failed (exit status 3)"* ]] ||
		fail "unexpected: $stderr"
	run --separate-stderr pub -u alice --password-command "printf s3cret-pw" -t a/x -m x
	assert_success
	run --separate-stderr pub -u alice --password-command "printf wrong" -t a/x -m x
	assert_failure 3
}

@test "-P - reads the password from standard input; with -s or -l it is a usage error" {
	run --separate-stderr pub -u alice -P - -t a/x -m x <<< "s3cret-pw"
	assert_success
	run --separate-stderr sub -u alice -P - -t a/x -E <<< "s3cret-pw"
	assert_success
	run --separate-stderr pub -u alice -P - -t a/x -m x <<< "wrong"
	assert_failure 3
	run --separate-stderr pub -u alice -P - -t a/x -s <<< "s3cret-pw"
	assert_failure 2
	assert_stderr_line mqpub "-P - reads standard input, which -s and -l read too"
	run --separate-stderr pub -u alice -P - -t a/x -l <<< "s3cret-pw"
	assert_failure 2
}

@test "-P - on a terminal prompts without echo and restores the terminal (answer and SIGINT)" {
	run "$PYTHON" "$BATS_TEST_DIRNAME/pty-run.py" answer s3cret-pw -- \
		"$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -u alice -P - -t a/x -m x
	assert_success
	assert_output --partial "password for mqpub:"
	run "$PYTHON" "$BATS_TEST_DIRNAME/pty-run.py" answer wrong -- \
		"$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -u alice -P - -t a/x -m x
	assert_failure 3
	run "$PYTHON" "$BATS_TEST_DIRNAME/pty-run.py" interrupt s3cret-pw -- \
		"$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -u alice -P - -t a/x
	assert_success
	# -l on a terminal: the prompt reads /dev/tty, then the lines follow
	SUB_CMD=mosquitto_sub sub_bg "$T/out" -u bob -P 'b0b pass' -t a/lines -C 1
	PTY_AFTER=$'line1\n' run "$PYTHON" "$BATS_TEST_DIRNAME/pty-run.py" answer s3cret-pw -- \
		"$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" -u alice -P - -t a/lines -l
	assert_success
	wait_pid "$SUB_PID" 10 || fail "the line was not published"
	assert_file_eq "$T/out" "line1
"
}

# leak_check HOW PID ERRFILE: the password is in neither cmdline, environ
# nor the -d trace of PID.
leak_check() {
	local how=$1 pid=$2 err=$3
	! grep -q s3cret-pw "/proc/$pid/cmdline" || fail "$how: password in /proc/$pid/cmdline"
	! grep -q s3cret-pw "/proc/$pid/environ" || fail "$how: password in /proc/$pid/environ"
	! grep -q s3cret-pw "$err" || fail "$how: password in the -d output"
	grep -q CONNACK "$err" || fail "$how: no -d trace in $err"
}

@test "no way of giving the password leaves it in /proc/PID/cmdline, /proc/PID/environ or -d output" {
	local i=0 how
	printf 's3cret-pw\n' > "$T/pw"
	conf "[profile p]
username = alice
pw = s3cret-pw
[profile c]
username = alice
password-command = printf s3cret-pw"
	for how in flag file env profile command stdin; do
		i=$((i + 1))
		case $how in
		flag) sub_bg "$T/o$i" -d -u alice -P s3cret-pw -t "l/$i" ;;
		file) sub_bg "$T/o$i" -d -u alice --password-file "$T/pw" -t "l/$i" ;;
		env) MQTT_PASSWORD=s3cret-pw sub_bg "$T/o$i" -d -u alice -t "l/$i" ;;
		profile) sub_bg "$T/o$i" -d --profile p -t "l/$i" ;;
		command) sub_bg "$T/o$i" -d --profile c -t "l/$i" ;;
		stdin)  # sub_bg would give a background job /dev/null as stdin
			local from
			from=$(log_lines)
			"$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -d -u alice -P - -t "l/$i" \
				< "$T/pw" > "$T/o$i" 2> "$T/o$i.err" 3>&- &
			SUB_PID=$!
			bg_track "$SUB_PID"
			wait_subscribed "$from" "$SUB_PID" "l/$i" || fail "stdin: $(cat "$T/o$i.err")" ;;
		esac
		leak_check "$how" "$SUB_PID" "$T/o$i.err"
		kill "$SUB_PID"
	done
	# the prompt: checked from inside the pseudo-terminal while mqsub runs
	run "$PYTHON" "$BATS_TEST_DIRNAME/pty-run.py" proc s3cret-pw -- \
		"$MQSUB" -d -h 127.0.0.1 -p "$BROKER_PORT" -u alice -P - -t l/prompt
	assert_success
}
