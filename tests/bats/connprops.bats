#!/usr/bin/env bats
# MQTT 5 CONNECT and will properties from the command line, both tools,
# against a real mosquitto; mosquitto_sub is the reference peer.

load helpers

setup() {
	common_setup
	broker_start
}

teardown() {
	common_teardown
}

@test "will properties: the broker publishes the will with them, after --will-delay" {
	local pid start el
	SUB_CMD=mosquitto_sub sub_bg "$T/will" -V 5 -t wp/gone -C 1 -F 'C=%C|E=%E|F=%F|R=%R|P=%P|p=%p|%U'
	local will_sub=$SUB_PID
	# -x 10: a session that outlives the link, or the broker would not wait
	"$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t wp/x -x 10 \
		--will-topic wp/gone --will-payload 'bye é' --will-delay 2 --will-expiry 600 \
		--will-content-type text/plain --will-response-topic wp/r \
		--will-user-property a=1 --will-user-property b=2 --will-payload-format utf8 \
		> /dev/null 2> "$T/err" &
	pid=$!
	bg_track "$pid"
	wait_log 'Sending SUBACK' 2 10 || fail "mqsub did not subscribe: $(cat "$T/err")"
	start=$(date +%s.%N)
	kill -KILL "$pid"
	SUB_PID=$will_sub
	wait_pid "$SUB_PID" 15 || fail "no will within 15 s"
	[[ $(cat "$T/will") == "C=text/plain|E="[0-9]*"|F=1|R=wp/r|P=a:1 b:2|p=bye é|"* ]] || fail "will: $(cat "$T/will")"
	el=$(awk -v s="$start" -F'|' '{ print $NF - s }' "$T/will")
	awk -v e="$el" 'BEGIN { exit !(e >= 1.5) }' || fail "the will came ${el} s after the kill, --will-delay 2"
}

@test "--maximum-packet-size: the broker sends nothing larger (mosquitto drops it for this client)" {
	sub_bg "$T/out" -t mp/a --maximum-packet-size 100
	pub -t mp/a -m small1
	pub -t mp/a -m "$(head -c 500 /dev/zero | tr '\0' x)"
	pub -t mp/a -m small2
	wait_for_lines "$T/out" 2 10 || fail "got: $(cat "$T/out")"
	sleep 0.3
	assert_file_eq "$T/out" "small1
small2
"
}

@test "--receive-maximum N: the broker sends at most N QoS 1 messages before mqsub acknowledges them" {
	proxy_start
	sub_bg "$T/out" -p "$PROXY_PORT" -q 1 -t rm/t --receive-maximum 4
	[[ $(ctl pause c2s) == ok* ]] || fail "proxy would not pause"
	seq 1 20 | pub -q 1 -t rm/t -l || fail "publish failed"
	wait_for_lines "$T/out" 4 10 || fail "the first 4 did not arrive"
	sleep 0.5
	[ "$(wc -l < "$T/out")" -eq 4 ] || fail "the broker sent $(wc -l < "$T/out") with 4 allowed"
	[[ $(ctl resume) == ok* ]] || fail "proxy would not resume"
	wait_for_lines "$T/out" 20 10 || fail "got $(wc -l < "$T/out") of 20"
}

@test "--connect-user-property and --request-response-info are accepted by a real broker (both tools)" {
	run --separate-stderr pub -t cu/a -m x --connect-user-property 'who=cron job' \
		--connect-user-property who=again --request-response-info
	assert_success
	run --separate-stderr sub -t cu/a -E --connect-user-property a=b --request-response-info
	assert_success
}

@test "CONNECT and will properties: bad values, no will topic, and -V 311 are usage errors" {
	local args
	while IFS= read -r args; do
		# shellcheck disable=SC2086
		run --separate-stderr pub -t a -m x $args
		[ "$status" -eq 2 ] || fail "mqpub '$args': exit $status, want 2"
		assert_stderr_line mqpub
		# shellcheck disable=SC2086
		run --separate-stderr sub -t a $args
		[ "$status" -eq 2 ] || fail "mqsub '$args': exit $status, want 2"
		assert_stderr_line mqsub
	done <<'EOF'
--receive-maximum 0
--receive-maximum 65536
--maximum-packet-size 10
--connect-user-property novalue
--will-delay 5
--will-content-type t/p
--will-topic w --will-expiry 0
--will-topic w --will-payload-format text
-V 311 --receive-maximum 5
-V 311 --request-response-info
-V 311 --will-topic w --will-delay 5
EOF
	run --separate-stderr pub -V 311 -t a -m x --connect-user-property a=b
	assert_stderr_line mqpub 'connect-user-property needs MQTT 5'
	run --separate-stderr pub -t a -m x --will-topic w --will-payload-format utf8 --will-payload $'\377'
	assert_failure 2
	assert_stderr_line mqpub 'will payload is not valid UTF-8'
}
