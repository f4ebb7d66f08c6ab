#!/usr/bin/env bats
# mqpub --request: MQTT 5 request/response.  The responders are made of
# mosquitto's own clients (mosquitto_sub prints the request's response
# topic and correlation data, mosquitto_pub answers), independent
# reference peers; mosquitto_rr is a differential reference.

load helpers

setup() {
	common_setup
	broker_start
}

teardown() {
	common_teardown
}

# responder TOPIC REPLY [CORR]: in the background, answer one request on
# TOPIC with the payload REPLY, on the request's response topic, with its
# correlation data (or CORR when given).  The correlation data must be
# printable (mosquitto_sub -F %D prints it raw).  Waits until the
# responder is subscribed; sets RESP_PID.
responder() {
	local topic=$1 reply=$2 corr=${3:-} from
	from=$(log_lines)
	(
		line=$(rsub -V 5 -t "$topic" -C 1 -F '%R %D') || exit 1
		[ -n "$corr" ] || corr=${line#* }
		rpub -V 5 -q 1 -t "${line%% *}" -D publish correlation-data "$corr" -m "$reply"
	) >"$T/resp.$BASHPID.out" 2>&1 3>&- &
	RESP_PID=$!
	bg_track "$RESP_PID"
	wait_subscribed "$from" "$RESP_PID" "$topic"
}

# responder_done: the last responder ended well within 10 s.
responder_done() {
	wait_pid "$RESP_PID" 10 || fail "responder still running"
	[ "$WAIT_STATUS" -eq 0 ] || fail "responder exit $WAIT_STATUS"
}

@test "--request: the first reply with the request's correlation data is printed, then exit 0" {
	responder rpc/q pong
	run --separate-stderr pub --request -t rpc/q -m ping --correlation-data c0rr-1 -W 10
	assert_success
	assert_stderr_empty
	assert_output pong
	responder_done
	# the request carried the body, a response topic and the correlation data
	grep -qE "Received PUBLISH from mqpub-[0-9a-f]+ .*'rpc/q'" "$BROKER_LOG" ||
		fail "request not in the broker log"
	# the request body from standard input (-s)
	responder rpc/q "pong 2"
	run --separate-stderr pub --request -t rpc/q -s --correlation-data c0rr-2 -W 10 <<<"ping 2"
	assert_success
	assert_output "pong 2"
	responder_done
	grep -qE "Received PUBLISH from mqpub-[0-9a-f]+ .*'rpc/q', \.\.\. \(7 bytes\)" "$BROKER_LOG" ||
		fail "-s request not in the broker log"
}

@test "--request: generated response topic and binary correlation data, answered byte-exact (-f)" {
	head -c 3000 /dev/urandom > "$T/reply"
	printf '\0\n\0' >> "$T/reply"
	# A responder that copes with binary correlation data: mqsub --json.
	local from
	from=$(log_lines)
	(
		line=$(sub -V 5 -t rpc/bin -C 1 --json) || exit 1
		resp=$(jq -r '.properties.response_topic' <<<"$line")
		corr=$(jq -r '.properties.correlation_data_base64 // (.properties.correlation_data | @base64)' <<<"$line")
		echo "$resp" > "$T/resp_topic"
		echo "$corr" > "$T/corr"
		pub -V 5 -q 1 -t "$resp" --correlation-data "base64:$corr" -f "$T/reply"
	) 2>"$T/resp.err" 3>&- &
	RESP_PID=$!
	bg_track "$RESP_PID"
	wait_subscribed "$from" "$RESP_PID" rpc/bin
	head -c 500 /dev/urandom > "$T/req"
	pub --request -t rpc/bin -f "$T/req" -W 10 > "$T/got" || fail "exit $?"
	responder_done
	# the payload, then a newline, as mqsub prints one
	cp "$T/reply" "$T/want" && printf '\n' >> "$T/want"
	cmp "$T/got" "$T/want" || fail "reply not byte-exact"
	grep -qE '^mqpub/response/[0-9a-f]{32}$' "$T/resp_topic" ||
		fail "response topic: $(cat "$T/resp_topic")"
	[ "$(base64 -d < "$T/corr" | wc -c)" -eq 16 ] || fail "correlation data: $(cat "$T/corr")"
}

@test "--request: two requests get different response topics and correlation data" {
	local k from
	for k in 1 2; do
		from=$(log_lines)
		(
			line=$(sub -V 5 -t rpc/fresh -C 1 --json) || exit 1
			jq -r '.properties | .response_topic + " " + (.correlation_data_base64 // (.correlation_data | @base64))' <<<"$line" > "$T/seen$k"
		) 3>&- &
		RESP_PID=$!
		bg_track "$RESP_PID"
		wait_subscribed "$from" "$RESP_PID" rpc/fresh
		run pub --request -t rpc/fresh -m x -W 2
		[ "$status" -eq 5 ] || fail "exit $status, want 5 (no reply)"
		responder_done
	done
	[ "$(cat "$T/seen1")" != "$(cat "$T/seen2")" ] || fail "same topic and data twice: $(cat "$T/seen1")"
}

@test "--request: a reply with other correlation data is ignored (-d says so)" {
	responder rpc/q wrong other-corr
	run --separate-stderr pub --request -t rpc/q -m ping --correlation-data mine -W 2 -d
	[ "$status" -eq 5 ] || fail "exit $status, want 5"
	assert_output ''
	responder_done
	assert_stderr_match 'mqpub: ignored a reply on .mqpub/response/[0-9a-f]{32}. with other correlation data'
	[[ ${stderr_lines[-1]} == "mqpub: timed out after 0 of 1 response" ]] ||
		fail "last stderr line: ${stderr_lines[-1]}"
	# the wrong reply first, then the right one: only the right one printed
	local from
	from=$(log_lines)
	(
		line=$(rsub -V 5 -t rpc/two -C 1 -F '%R %D') || exit 1
		rpub -V 5 -t "${line%% *}" -D publish correlation-data nope -m wrong
		rpub -V 5 -t "${line%% *}" -D publish correlation-data "${line#* }" -m right
	) 3>&- &
	RESP_PID=$!
	bg_track "$RESP_PID"
	wait_subscribed "$from" "$RESP_PID" rpc/two
	run --separate-stderr pub --request -t rpc/two -m ping --correlation-data mine -W 10
	assert_success
	assert_output right
	responder_done
}

@test "--request --responses 3: three responders, each reply printed" {
	local pids=() k
	for k in 1 2 3; do
		responder rpc/many "reply $k"
		pids+=("$RESP_PID")
	done
	run --separate-stderr pub --request --responses 3 -t rpc/many -m ping --correlation-data c-3 -W 10
	assert_success
	assert_stderr_empty
	[ "$(sort <<<"$output")" = "reply 1
reply 2
reply 3" ] || fail "output: $output"
	for RESP_PID in "${pids[@]}"; do responder_done; done
	# two responders for three responses: timed out, the two printed
	for k in 1 2; do responder rpc/few "r$k"; done
	run --separate-stderr pub --request --responses 3 -t rpc/few -m ping --correlation-data c-2 -W 2
	[ "$status" -eq 5 ] || fail "exit $status, want 5"
	[ "${#lines[@]}" -eq 2 ] || fail "output: $output"
	assert_stderr_line mqpub '^mqpub: timed out after 2 of 3 responses$'
}

@test "--request -W: no responder is exit 5 with the count" {
	run --separate-stderr pub --request -t rpc/nobody -m ping -W 2
	[ "$status" -eq 5 ] || fail "exit $status, want 5"
	assert_output ''
	assert_stderr_line mqpub '^mqpub: timed out after 0 of 1 response$'
}

@test "--request at QoS 0, 1 and 2: the request is delivered, the reply printed" {
	local q
	for q in 0 1 2; do
		responder "rpc/q$q" "pong $q"
		run --separate-stderr pub --request -q "$q" -t "rpc/q$q" -m ping -W 10 --correlation-data "q$q"
		assert_success
		assert_output "pong $q"
		responder_done
	done
	# the response topic is subscribed at -q
	grep -qE "^[0-9]+: +mqpub/response/[0-9a-f]{32} \(QoS 2\)" "$BROKER_LOG" ||
		grep -qE "mqpub/response/[0-9a-f]{32} \(QoS 2\)" "$BROKER_LOG" ||
		fail "no QoS 2 subscription in the log"
}

@test "--request --response-topic: the user's response topic is used" {
	local from
	from=$(log_lines)
	(
		line=$(rsub -V 5 -t rpc/rt -C 1 -F '%R %D') || exit 1
		echo "${line%% *}" > "$T/rt"
		rpub -V 5 -t "${line%% *}" -D publish correlation-data "${line#* }" -m ok
	) 3>&- &
	RESP_PID=$!
	bg_track "$RESP_PID"
	wait_subscribed "$from" "$RESP_PID" rpc/rt
	run --separate-stderr pub --request -t rpc/rt -m x --response-topic my/replies/1 \
		--correlation-data abc -W 10
	assert_success
	assert_output ok
	responder_done
	assert_file_eq "$T/rt" "my/replies/1
"
}

@test "--request: without -m the request is empty; the request is acknowledged (QoS 1)" {
	responder rpc/empty ok
	run --separate-stderr pub --request -t rpc/empty -q 1 -W 10 --correlation-data e
	assert_success
	assert_output ok
	grep -qE "Received PUBLISH from mqpub-[0-9a-f]+ \(d0, q1, r0, m[0-9]+, 'rpc/empty', \.\.\. \(0 bytes\)\)" \
		"$BROKER_LOG" || fail "empty request not in the log"
}

@test "--request: the response topic is subscribed before the request is published (20 instant responders)" {
	local round from sub_line pub_line
	for round in $(seq 1 20); do
		from=$(log_lines)
		responder rpc/fast "fast $round"
		run --separate-stderr pub --request -t rpc/fast -m "go $round" --correlation-data "f$round" -W 10
		[ "$status" -eq 0 ] || fail "round $round: exit $status: $stderr"
		[ "$output" = "fast $round" ] || fail "round $round: output '$output'"
		responder_done
		# in the broker log: SUBSCRIBE (and its SUBACK) before the PUBLISH
		sub_line=$(tail -n +"$((from + 1))" "$BROKER_LOG" | grep -n 'Sending SUBACK to mqpub-' | head -n 1 | cut -d: -f1)
		pub_line=$(tail -n +"$((from + 1))" "$BROKER_LOG" | grep -n "Received PUBLISH from mqpub-.*'rpc/fast'" | head -n 1 | cut -d: -f1)
		[ -n "$sub_line" ] && [ -n "$pub_line" ] && (( sub_line < pub_line )) ||
			fail "round $round: SUBACK at line ${sub_line:-none}, PUBLISH at ${pub_line:-none}"
	done
}

@test "--request: a refused response topic subscription publishes nothing: exit 6" {
	local conf
	conf=$(make_dynsec) || skip "no mosquitto dynamic security plugin"
	mapfile -t lines_conf <<<"$conf"
	broker_start "${lines_conf[@]}"
	run --separate-stderr pub --request -t rpc/q -m ping --response-topic secret/replies -W 10
	[ "$status" -eq 6 ] || fail "exit $status, want 6"
	assert_stderr_line mqpub "^mqpub: subscription to response topic 'secret/replies' refused: "
	assert_output ''
	! grep -q "Received PUBLISH from mqpub-" "$BROKER_LOG" || fail "the request was published"
	grep -q "Received SUBSCRIBE from mqpub-" "$BROKER_LOG" || fail "no SUBSCRIBE in the log"
}

@test "--request: interrupted by SIGTERM while waiting: exit 6 with the count" {
	"$MQPUB" -h 127.0.0.1 -p "$BROKER_PORT" --request -t rpc/none -m x > "$T/out" 2> "$T/err" &
	local pid=$!
	bg_track "$pid"
	wait_log "Sending SUBACK to mqpub-" 1 10
	wait_log "Received PUBLISH from mqpub-" 1 10
	kill -TERM "$pid"
	wait_pid "$pid" 10 || fail "mqpub still running after SIGTERM"
	[ "$WAIT_STATUS" -eq 6 ] || fail "exit $WAIT_STATUS, want 6"
	assert_file_eq "$T/err" "mqpub: interrupted after 0 of 1 response
"
	assert_file_eq "$T/out" ""
}

@test "--request with standard output closed: exit 2, nothing sent" {
	run --separate-stderr bash -c 'exec "$@" >&-' _ timeout 10 "$MQPUB" \
		-h 127.0.0.1 -p "$BROKER_PORT" --request -t rpc/q -m x
	assert_failure 2
	assert_stderr_line mqpub 'standard output is closed'
}

@test "--request is MQTT 5 only: -V 311 is a usage error; bad combinations too" {
	run --separate-stderr pub --request -V 311 -t rpc/q -m x
	[ "$status" -eq 2 ] || fail "exit $status, want 2"
	assert_stderr_line mqpub '^mqpub: --request needs MQTT 5 \(not -V 311\)$'
	local args
	while IFS= read -r args; do
		# shellcheck disable=SC2086
		run --separate-stderr pub $args
		[ "$status" -eq 2 ] || fail "'$args': exit $status, want 2"
		assert_stderr_line mqpub
	done <<'EOF'
--request -t rpc/q -l
--request --topic-lines
--request -t rpc/q --json
--request -t rpc/q -m x --repeat 2
--request -t rpc/q -m x --spool spooldir
--responses 2 -t rpc/q -m x
--request --responses 0 -t rpc/q -m x
--request -t rpc/q -m x --responses many
EOF
}

@test "--request: the same reply as mosquitto_rr (differential)" {
	responder rpc/rr 'same answer' x
	rr=$(timeout 30 mosquitto_rr -h 127.0.0.1 -p "$BROKER_PORT" -t rpc/rr -e rr/resp -m ping -W 10)
	responder_done
	responder rpc/rr 'same answer'
	mine=$(pub --request -t rpc/rr -m ping -W 10 --correlation-data x)
	responder_done
	[ "$rr" = "$mine" ] || fail "mosquitto_rr: '$rr', mqpub: '$mine'"
}

@test "mqsub --exec --reply answers mqpub --request: binary body and generated correlation data round-trip; three workers for --responses 3" {
	head -c 2000 /dev/urandom > "$T/req"
	sub_bg "$T/w0" -t rpc/echo -q 1 -V 5 --reply --exec cat --
	local w0=$SUB_PID
	pub --request -q 1 -t rpc/echo -f "$T/req" -W 10 > "$T/got" || fail "exit $?: $(cat "$T/w0.err")"
	cp "$T/req" "$T/want" && printf '\n' >> "$T/want"
	cmp "$T/got" "$T/want" || fail "the echoed reply is not the request byte for byte"
	kill -TERM "$w0"
	wait_pid "$w0" 5
	# scatter-gather: each worker answers with its own name
	local k pids=()
	for k in 1 2 3; do
		sub_bg "$T/w$k" -t rpc/who -q 1 -V 5 --reply --exec printf "worker $k" --
		pids+=("$SUB_PID")
	done
	run --separate-stderr pub --request --responses 3 -t rpc/who -m '?' -W 10
	assert_success
	[ "$(sort <<<"$output")" = "worker 1
worker 2
worker 3" ] || fail "output: $output"
	for k in "${pids[@]}"; do kill -TERM "$k"; wait_pid "$k" 5; done
}
