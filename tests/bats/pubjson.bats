#!/usr/bin/env bats
# mqpub --json: JSON Lines in, in the schema mqsub --json writes, so that
# what a subscriber recorded can be filtered, bridged and replayed; and
# --replay / --speed.

load helpers

setup() {
	common_setup
	# mosquitto drops QoS 1/2 messages queued past 1000 for a subscriber
	broker_start "max_queued_messages 0"
}

teardown() {
	common_teardown
}

RT="$BATS_TEST_DIRNAME/json_roundtrip.py"

# record OUT TOPIC N [ARGS]: mqsub --json in the background, N messages.
record() {
	local out=$1 topic=$2 n=$3
	shift 3
	sub_bg "$out" -t "$topic" -q 1 -C "$n" --json "$@"
}

# recorded_done OUT N: the recorder ended with its N lines.
recorded_done() {
	wait_pid "$SUB_PID" 60 || fail "recorder got $(wc -l < "$1") of $2 lines"
	[ "$WAIT_STATUS" -eq 0 ] || fail "recorder exit $WAIT_STATUS: $(cat "$1.err")"
}

@test "--json: 10,000 recorded messages (binary, UTF-8, JSON, control characters, empty) published again from mqsub --json | jq, payloads byte-exact" {
	local mode
	declare -A kinds
	"$PYTHON" "$RT" gen 12 10000 "$T/msgs"
	for mode in string auto; do
		record "$T/first-$mode" "rt/$mode/a" 10000 --json-payload "$mode"
		timeout 120 "$PYTHON" "$RT" pub "$BROKER_PORT" "rt/$mode/a" "$T/msgs"
		recorded_done "$T/first-$mode" 10000
		# through jq, to a new topic: the recorded line is mqpub's input
		record "$T/second-$mode" "rt/$mode/b" 10000 --json-payload "$mode"
		jq -c --arg t "rt/$mode/b" '.topic = $t' < "$T/first-$mode" > "$T/in-$mode"
		run --separate-stderr timeout 120 "$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" --json < "$T/in-$mode"
		assert_success
		[ -z "$stderr" ] || fail "stderr: $stderr"
		recorded_done "$T/second-$mode" 10000
		run "$PYTHON" "$RT" check "$T/msgs" republished < "$T/second-$mode"
		assert_success
		kinds[$mode]=$output
	done
	# --json-payload string: every payload a string or base64, and every
	# one came back with its bytes; auto embeds JSON payloads, which come
	# back equal as JSON (whitespace outside strings is not kept)
	[[ ${kinds[string]} =~ ^base64=[0-9]+\ string=[0-9]+$ ]] || fail "string: ${kinds[string]}"
	[[ ${kinds[auto]} =~ ^base64=[0-9]+\ json=[0-9]+\ string=[0-9]+$ ]] || fail "auto: ${kinds[auto]}"
}

@test "--json: MQTT 5 properties, QoS and retain survive mqsub --json -> mqpub --json -> mqsub --json" {
	pub -V 5 -q 2 -r -t p5/a -m '{"v": [1, 2]}' --content-type application/json \
		--response-topic p5/reply --correlation-data hex:00ff10 --message-expiry 600 \
		--payload-format utf8 --user-property b=2 --user-property a=1 --user-property b=3
	# recorded as a later subscriber sees it: retained
	sub -V 5 -q 1 -t p5/a -C 1 --json > "$T/a"
	record "$T/b" 'p5/b' 1 -V 5
	jq -c '.topic = "p5/b"' < "$T/a" | pub -V 5 --json
	recorded_done "$T/b" 1
	# the same but for the topic, the time, the broker's message id, and
	# the retain flag, which a broker clears on a message it forwards live
	strip='del(.time, .message_id, .topic, .payload_length, .retain) | .properties.message_expiry_interval |= (. > 500)'
	diff <(jq -c "$strip" < "$T/a") <(jq -c "$strip" < "$T/b") || fail "changed"
	run jq -c "$strip" < "$T/b"
	assert_output '{"qos":1,"properties":{"payload_format_indicator":1,"message_expiry_interval":true,"content_type":"application/json","response_topic":"p5/reply","correlation_data_base64":"AP8Q","user_properties":[["b","2"],["a","1"],["b","3"]]},"payload":{"v":[1,2]}}'
	# the retain flag went through: a later subscriber gets it too
	run timeout 10 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t p5/b -q 2 -C 1 -F '%r %q %p'
	assert_output '1 1 {"v":[1,2]}'
}

@test "--json: fields a line leaves out come from -t, -q, -r and the property options" {
	rsub_bg() { SUB_CMD=mosquitto_sub sub_bg "$@"; }
	rsub_bg "$T/out" -t 'jd/#' -q 2 -C 3 -V 5 -F '%t %q %r %p ct=%C up=%P'
	printf '%s\n' '{"payload":"one"}' \
		'{"topic":"jd/other","qos":0,"retain":false,"payload":"two"}' \
		'{"payload":"three","properties":{"content_type":"text/x","user_properties":[["k","line"]]}}' |
		pub -V 5 --json -t jd/default -q 1 -r --content-type text/plain --user-property k=cmd
	wait_pid "$SUB_PID" 10 || fail "subscriber: $(cat "$T/out")"
	sort "$T/out" > "$T/sorted"
	assert_file_eq "$T/sorted" "jd/default 1 0 one ct=text/plain up=k:cmd
jd/default 1 0 three ct=text/x up=k:line
jd/other 0 0 two ct=text/plain up=k:cmd
"
	run timeout 10 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t jd/default -C 1 -F '%r %p'
	assert_output '1 three'
}

@test "--json: a bad line is reported with its line and column; the run stops there (exit 2), or --skip-bad goes on (exit 6)" {
	local bad
	for bad in '{"payload":"x",}|column 16: not valid JSON' \
		'["payload"]|column 1: expected an object' \
		'{"payload":"x","colour":1}|column 16: unknown key' \
		'{"payload":"x","payload":"y"}|column 16: key given twice' \
		'{"payload":"x","payload_base64":"eQ=="}|column 33: give payload or payload_base64, not both' \
		'{"payload_base64":"e Q=="}|column 19: not valid base64' \
		'{"payload":"x","qos":3}|column 22: number out of range' \
		'{"payload":"x","qos":"1"}|column 22: expected a whole number' \
		'{"payload":"x","retain":1}|column 25: expected true or false' \
		'{"topic":"a/+","payload":"x"}|column 10: bad topic' \
		'{"topic":"a\u0000b","payload":"x"}|column 10: bad topic' \
		'{"topic":"ok"}|column 1: no payload' \
		'{"payload":"x","properties":{"message_expiry_interval":-1}}|column 56: expected a whole number' \
		'{"payload":"x","properties":{"user_properties":[["k"]]}}|column 49: expected a \[key, value\] pair' \
		'{"payload":"x","time":"yesterday"}|column 23: expected a time' \
		'{"payload":"x"}|no topic'; do
		printf '{"topic":"jb/a","payload":"first"}\n%s\n{"topic":"jb/a","payload":"third"}\n' \
			"${bad%%|*}" > "$T/in"
		rm -f "$T/out"
		sub_bg "$T/out" -t 'jb/#' -q 1
		run --separate-stderr pub -q 1 --json < "$T/in"
		assert_failure 2
		assert_stderr_line mqpub "^mqpub: line 2: ${bad#*|}.*: stopping, nothing after it is sent\$"
		rpub -q 1 -t jb/end -m end
		wait_end "$T/out" "$SUB_PID" || fail "the end marker did not arrive"
		assert_file_eq "$T/out" "first
"
	done
	printf '%s\n' '{"topic":"jb/s","payload":"1"}' 'not json' '{"topic":"jb/s","payload":"3"}' > "$T/in"
	sub_bg "$T/out" -t 'jb/s' -q 1 -C 2
	run --separate-stderr pub -q 1 --json --skip-bad < "$T/in"
	assert_failure 6
	wait_pid "$SUB_PID" 10 || fail "subscriber: $(cat "$T/out")"
	assert_file_eq "$T/out" "1
3
"
	printf '%s\n' "$stderr" | grep -q '^mqpub: line 2: column 1: not valid JSON: skipped$' || fail "stderr: $stderr"
	printf '%s\n' "$stderr" | grep -q '^mqpub: 1 bad line skipped$' || fail "stderr: $stderr"
}

@test "--json: a line with MQTT 5 properties to an MQTT 3.1.1 connection is a bad line, never sent without them" {
	printf '%s\n' '{"topic":"j3/a","payload":"plain"}' \
		'{"topic":"j3/a","payload":"p","properties":{"content_type":"x"}}' > "$T/in"
	sub_bg "$T/out" -t 'j3/#' -q 1
	run --separate-stderr pub -V 311 --json < "$T/in"
	assert_failure 2
	assert_stderr_line mqpub '^mqpub: line 2: it has MQTT 5 properties, and the broker speaks MQTT 3.1.1: stopping'
	rpub -q 1 -t j3/end -m end
	wait_end "$T/out" "$SUB_PID" || fail "the end marker did not arrive"
	assert_file_eq "$T/out" "plain
"
}

@test "--replay: messages keep their recorded spacing, --speed scales it; without it they go at once" {
	printf '%s\n' '{"time":"2026-01-01T00:00:00.000Z","topic":"jr/a","payload":"0"}' \
		'{"time":"2026-01-01T00:00:01.500Z","topic":"jr/a","payload":"1"}' \
		'{"time":"2026-01-01T00:00:03Z","topic":"jr/a","payload":"2"}' > "$T/in"
	local t0 t1
	sub_bg "$T/out" -t 'jr/a' -C 3 -F '%p %U'
	t0=$(now_ms)
	pub --json --replay --speed 3 < "$T/in"
	t1=$(now_ms)
	wait_pid "$SUB_PID" 10 || fail "subscriber: $(cat "$T/out")"
	# 3 s recorded, at 3x: never before 1 s (a lower bound: it cannot
	# be early), and not stalled either
	(( t1 - t0 >= 1000 && t1 - t0 < 8000 )) || fail "took $(( t1 - t0 )) ms"
	awk 'NR == 1 { a = $2 } NR == 2 { b = $2 } NR == 3 { c = $2 }
	     END { if (b - a < 0.49 || c - b < 0.49) { print "gaps " b - a, c - b; exit 1 } }' "$T/out" ||
		fail "spacing: $(cat "$T/out")"
	sub_bg "$T/out2" -t 'jr/a' -C 3
	t0=$(now_ms)
	pub --json < "$T/in"
	t1=$(now_ms)
	# (a replay at the recorded pace would take 3 s)
	(( t1 - t0 < 2900 )) || fail "without --replay it took $(( t1 - t0 )) ms"
	wait_pid "$SUB_PID" 10 || fail "subscriber: $(cat "$T/out2")"
	# a line without a time cannot be replayed
	run --separate-stderr pub --json --replay <<<'{"topic":"jr/a","payload":"x"}'
	assert_failure 2
	assert_stderr_line mqpub '^mqpub: line 1: no "time" to replay it at'
}

@test "--json, --replay, --speed: options that do not go together are usage errors" {
	run --separate-stderr pub --json -l </dev/null
	assert_failure 2
	assert_stderr_line mqpub 'give only one of'
	run --separate-stderr pub -t a -l --replay </dev/null
	assert_failure 2
	assert_stderr_line mqpub '^mqpub: --replay needs --json$'
	run --separate-stderr pub --json --speed 2 </dev/null
	assert_failure 2
	assert_stderr_line mqpub '^mqpub: --speed needs --replay$'
	for v in 0 -1 x 1e9; do
		run --separate-stderr pub --json --replay --speed "$v" </dev/null
		assert_failure 2
		assert_stderr_line mqpub "^mqpub: bad value for --speed: '$v'"
	done
	run --separate-stderr pub --json --replay --rate 5 </dev/null
	assert_failure 2
	assert_stderr_line mqpub '^mqpub: give --replay or --rate, not both$'
	run --separate-stderr pub --json --spool "$T/sp" </dev/null
	assert_failure 2
	run --separate-stderr pub -t 'a/+' --json </dev/null
	assert_failure 2
	assert_stderr_line mqpub "^mqpub: bad topic 'a/\+'"
}
