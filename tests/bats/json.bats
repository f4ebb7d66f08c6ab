#!/usr/bin/env bats
# mqsub's JSON and encoded output: -F %j/%J against mosquitto_sub
# (differentially), --json through jq and back to the original bytes,
# --json-payload, --hex, --base64, -0, --pretty, and colour on a
# pseudo-terminal only.

load helpers

setup() {
	common_setup
	broker_start "max_queued_messages 0"
}

teardown() {
	common_teardown
}

# both FORMAT ARGS...: mqsub and mosquitto_sub with -F FORMAT on json/#.
both() {
	local fmt=$1
	shift
	sub_bg "$T/mine" -V 5 -t 'json/#' -F "$fmt" "$@"
	MINE=$SUB_PID
	SUB_CMD=mosquitto_sub sub_bg "$T/theirs" -V 5 -t 'json/#' -F "$fmt" "$@"
	THEIRS=$SUB_PID
}

both_done() {
	wait_pid "$MINE" 10 || fail "mqsub did not finish: $(cat "$T/mine.err")"
	wait_pid "$THEIRS" 10 || fail "mosquitto_sub did not finish"
}

# The "tst" of %j/%J is the arrival time: same shape, then taken out.
no_tst() {
	grep -qE '"tst":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z[+-][0-9]{4}"' "$1" ||
		fail "no tst of mosquitto's shape in $1: $(head -c 300 "$1")"
	sed -E 's/"tst":"[^"]*"/"tst":""/g' "$1" > "$1.no-tst"
}

same_but_tst() {
	no_tst "$T/mine"
	no_tst "$T/theirs"
	cmp "$T/theirs.no-tst" "$T/mine.no-tst" ||
		fail "differ: $(diff "$T/theirs.no-tst" "$T/mine.no-tst" | head -20)"
}

# Text and JSON payloads, MQTT 5 properties in two orders, QoS 1 and 0,
# retained and empty: everything %j and %J print alike.
publish_json_set() {
	rpub -t json/text -m 'hello "world" \ / é €'
	rpub -t json/ctl -m $'tab\there\nline\x01\x1f\x7f end'
	rpub -t json/obj -m '{"a": 1.50, "b": [1e2, -0, 0.1, 3000000000, 1.0000000000000002, 2.5e-7],
		"s": "\u00e9\/\n\ud83d\ude00", "n": null, "t": true, "e": {}, "l": []}'
	rpub -t json/num -m '  42  '
	rpub -t json/str -m '"just a string"'
	rpub -t json/q1 -q 1 -m '[{"deep": [[[]]]}]'
	rpub -t json/empty -n
	rpub -t json/props -V 5 -m '{"p":1}' -D publish content-type application/json \
		-D publish response-topic json/reply -D publish correlation-data c0rr \
		-D publish message-expiry-interval 120 -D publish payload-format-indicator 1 \
		-D publish user-property k1 v1 -D publish user-property k1 v2 -D publish user-property 'k"2' 'v\2'
	rpub -t json/props2 -V 5 -m 'x' -D publish user-property a b -D publish payload-format-indicator 0 \
		-D publish content-type 'ct é'
}

@test "%j and %J: every byte but the arrival time is mosquitto_sub's (text, JSON, empty, MQTT 5 properties, QoS 1)" {
	local fmt
	for fmt in '%j' '%J' '%j|%J|%t'; do
		both "$fmt" -C 9 -q 1
		publish_json_set
		both_done
		same_but_tst
	done
}

@test "%j: the arrival time in local time with its offset, as mosquitto_sub (TZ=Asia/Kolkata)" {
	[ -e /usr/share/zoneinfo/Asia/Kolkata ] || fail "tzdata is not installed"
	TZ=Asia/Kolkata both '%j' -C 1
	rpub -t json/tz -m x
	both_done
	same_but_tst
	grep -q '^{"tst":"[0-9T:.-]*Z+0530",' "$T/mine" || fail "$(cat "$T/mine")"
	# the same second, or the next
	local a b
	a=$(date -d "$(sed -E 's/^\{"tst":"([^.]*)\..*/\1/' "$T/mine")+0530" +%s)
	b=$(date -d "$(sed -E 's/^\{"tst":"([^.]*)\..*/\1/' "$T/theirs")+0530" +%s)
	(( a - b <= 1 && b - a <= 1 )) || fail "$a $b"
}

@test "%J: a payload that is not JSON prints nothing for the field, as mosquitto_sub, and says so on stderr" {
	both '<%J>' -C 2
	rpub -t json/bad -m '{"a":}'
	rpub -t json/good -m '[1]'
	both_done
	same_but_tst
	assert_file_eq "$T/mine.err" "mqsub: %J: the payload on topic 'json/bad' is not JSON
"
}

@test "%j: a payload with NUL or bytes that are not UTF-8 is whole (mosquitto_sub cuts it at the NUL)" {
	sub_bg "$T/mine" -t json/bin -F '%j' -C 2
	printf 'a\0b\xff' > "$T/bin"
	rpub -t json/bin -f "$T/bin"
	printf 'a\0b' > "$T/nul"
	rpub -t json/bin -f "$T/nul"
	wait_pid "$SUB_PID" 10 || fail "mqsub did not finish"
	run jq -c '[.payloadlen, .payload, .payload_base64]' "$T/mine"
	assert_success
	assert_output '[4,null,"YQBi/w=="]
[3,"a\u0000b",null]'
}

@test "--json: 10,000 messages (binary, UTF-8, JSON, control characters, empty) go through jq -c . and back to their bytes" {
	"$PYTHON" "$BATS_TEST_DIRNAME/json_roundtrip.py" gen 11 10000 "$T/msgs"
	sub_bg "$T/out" -t json/rt -q 1 -C 10000 --json
	timeout 120 "$PYTHON" "$BATS_TEST_DIRNAME/json_roundtrip.py" pub "$BROKER_PORT" json/rt "$T/msgs"
	wait_pid "$SUB_PID" 60 || fail "mqsub did not finish: $(wc -l < "$T/out") lines"
	[ "$(wc -l < "$T/out")" -eq 10000 ] || fail "$(wc -l < "$T/out") lines"
	jq -c . < "$T/out" > "$T/jq" || fail "jq rejected the output"
	run "$PYTHON" "$BATS_TEST_DIRNAME/json_roundtrip.py" check "$T/msgs" < "$T/jq"
	assert_success
	# all three ways of carrying a payload were used
	[[ $output =~ base64=[0-9]+\ json=[0-9]+\ string=[0-9]+ ]] || fail "$output"
}

@test "--json: the schema: time, topic, qos, retain, message_id, payload_length, properties in order" {
	rpub -t json/s -r -m '{"v": 1}' -q 1 -V 5 -D publish user-property b 2 -D publish user-property a 1 \
		-D publish user-property b 3 -D publish content-type application/json \
		-D publish correlation-data c0rr -D publish response-topic json/reply \
		-D publish message-expiry-interval 300 -D publish payload-format-indicator 1
	run timeout 10 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t json/s -q 1 -C 1 --json
	assert_success
	[[ ${lines[0]} =~ ^\{\"time\":\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z\", ]] ||
		fail "time: ${lines[0]}"
	run jq -c 'del(.time) | .properties.message_expiry_interval |= (. <= 300 and . >= 290)' <<<"$output"
	assert_output '{"topic":"json/s","qos":1,"retain":true,"message_id":1,"payload_length":8,"properties":{"payload_format_indicator":1,"message_expiry_interval":true,"content_type":"application/json","response_topic":"json/reply","correlation_data":"c0rr","user_properties":[["b","2"],["a","1"],["b","3"]]},"payload":{"v":1}}'
	# binary correlation data and payload are base64; MQTT 3.1.1 has no properties
	printf '\xff\x00' > "$T/bin"
	rpub -t json/s -r -f "$T/bin" -V 5 -D publish correlation-data "$(printf '\xfe')"
	run timeout 10 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t json/s -C 1 --json
	run jq -c 'del(.time)' <<<"$output"
	assert_output '{"topic":"json/s","qos":0,"retain":true,"payload_length":2,"properties":{"correlation_data_base64":"/g=="},"payload_base64":"/wA="}'
	run timeout 10 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t json/s -C 1 --json -V 311
	run jq -c 'del(.time)' <<<"$output"
	assert_output '{"topic":"json/s","qos":0,"retain":true,"payload_length":2,"payload_base64":"/wA="}'
}

# payload_as MODE PAYLOAD: the payload part of --json --json-payload MODE.
payload_as() {
	rpub -t json/m -r -m "$2"
	run timeout 10 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t json/m -C 1 --json --json-payload "$1"
	assert_success
	sed -E 's/^.*"payload_length":[0-9]+,//' <<<"$output"
}

@test "--json-payload: auto, json, string and base64; the payload never disappears" {
	[ "$(payload_as auto ' [1, 2] ')" = '"payload":[1,2]}' ]
	[ "$(payload_as auto '"quoted"')" = '"payload":"\"quoted\""}' ]
	[ "$(payload_as auto 'text')" = '"payload":"text"}' ]
	[ "$(payload_as json '"quoted"')" = '"payload":"quoted"}' ]
	[ "$(payload_as json 'text')" = '"payload_base64":"dGV4dA=="}' ]
	[ "$(payload_as string '[1]')" = '"payload":"[1]"}' ]
	[ "$(payload_as base64 '[1]')" = '"payload_base64":"WzFd"}' ]
	run timeout 10 "$MQSUB" -t a --json-payload yaml
	assert_failure 2
	assert_output "mqsub: bad --json-payload 'yaml': auto, json, string or base64"
}

@test "--hex, --base64 and -0: the payload encoded, with -v the topic first; NUL after each message" {
	printf 'a\0\xff\n' > "$T/bin"
	rpub -t json/e -r -f "$T/bin"
	run timeout 10 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t json/e -C 1 --hex
	assert_output '6100ff0a'
	run timeout 10 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t json/e -C 1 --base64 -v
	assert_output 'json/e YQD/Cg=='
	rpub -t json/e -r -m $'two\nlines'
	timeout 10 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t json/e -C 1 -v -0 > "$T/out"
	printf 'json/e two\nlines\0' > "$T/want"
	cmp "$T/want" "$T/out" || fail "$(od -c "$T/out")"
}

@test "--pretty: a JSON payload and a --json object indented; other payloads unchanged" {
	rpub -t json/p -r -m '{"a":[1,{}],"b":"x"}'
	run timeout 10 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t json/p -C 1 --pretty
	assert_output '{
  "a": [
    1,
    {}
  ],
  "b": "x"
}'
	run timeout 10 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t json/p -C 1 --pretty --json
	assert_success
	[ "${lines[1]}" = '  "time": '"$(jq '.time' <<<"$output")," ] || fail "$output"
	[ "$(jq -c 'del(.time)' <<<"$output")" = '{"topic":"json/p","qos":0,"retain":true,"payload_length":20,"payload":{"a":[1,{}],"b":"x"}}' ]
	[ "${lines[7]}" = '    "a": [' ] || fail "$output"
	rpub -t json/p -r -m 'not {json'
	run timeout 10 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t json/p -C 1 --pretty
	assert_output 'not {json'
}

# on_pty ARGS...: mqsub ARGS on a pseudo-terminal (script(1)); its output.
on_pty() {
	local cmd
	printf -v cmd '%q ' "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" "$@"
	timeout 10 script -qfec "$cmd" /dev/null < /dev/null
}

@test "--color: -v colours the topic and --json the keys on a terminal, never into a pipe; NO_COLOR and --color=never/always" {
	rpub -t json/c -r -m hello
	esc=$'\033'
	[ "$(on_pty -t json/c -C 1 -v)" = "${esc}[1;34mjson/c${esc}[0m hello"$'\r' ] || fail "$(on_pty -t json/c -C 1 -v | od -c)"
	[[ $(on_pty -t json/c -C 1 --json) == "{${esc}[1;34m\"time\"${esc}[0m:"* ]] || fail "$(on_pty -t json/c -C 1 --json | od -c | head)"
	[ "$(NO_COLOR=1 on_pty -t json/c -C 1 -v)" = $'json/c hello\r' ]
	[ "$(on_pty -t json/c -C 1 -v --color=never)" = $'json/c hello\r' ]
	[ "$(on_pty -t json/c -C 1)" = $'hello\r' ]
	run timeout 10 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t json/c -C 1 -v
	assert_output 'json/c hello'
	run timeout 10 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t json/c -C 1 -v --color=always
	assert_output "${esc}[1;34mjson/c${esc}[0m hello"
	run timeout 10 "$MQSUB" -t a --color=sometimes
	assert_failure 2
}

@test "output options that cannot go together are usage errors (exit 2)" {
	local args
	for args in "-F %t --json" "--json --hex" "-F %p --base64" "-F %j --pretty"; do
		run --separate-stderr timeout 10 "$MQSUB" -t a $args
		assert_failure 2
		assert_stderr_line mqsub "cannot be used together"
	done
}
