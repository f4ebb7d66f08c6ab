#!/usr/bin/env bats
# mqpub's input modes for scripts: --topic-lines (many topics over one
# connection), --repeat, --rate, and MQTT 5 properties from the command
# line.  The receiving side is mosquitto_sub, an independent reference peer.

load helpers

setup() {
	common_setup
	broker_start
}

teardown() {
	common_teardown
}

rsub_bg() {
	SUB_CMD=mosquitto_sub sub_bg "$@"
}

# sub_done TIMEOUT: the reference subscriber ends with status 0 in time.
sub_done() {
	wait_pid "$SUB_PID" "$1" || fail "subscriber still running after $1 s; got $(wc -l < "$T/out") lines"
	[ "$WAIT_STATUS" -eq 0 ] || fail "subscriber exit $WAIT_STATUS: $(cat "$T/out.err")"
}

@test "--topic-lines: 3,000 lines over 100 topics, one connection, every topic and payload byte-exact (QoS 0, 1, 2)" {
	local q
	# mosquitto drops QoS 1/2 messages queued past 1000 for a subscriber
	broker_start "max_queued_messages 0"
	for q in 0 1 2; do
		# payloads with spaces, a second TAB, UTF-8, and empty ones
		awk -v q="$q" 'BEGIN { for (i = 1; i <= 3000; i++) {
			p = (i % 7 == 0) ? "" : "v " i "\tsecond\ttab ü"
			printf "t%d/s/%d\t%s\n", q, i % 100, p } }' > "$T/in$q"
		rsub_bg "$T/out$q" -t "t$q/#" -C 3000 -q "$q" -F '%t\t%p'
		run --separate-stderr pub -q "$q" --topic-lines < "$T/in$q"
		assert_success
		[ -z "$stderr" ] || fail "stderr: $stderr"
		wait_pid "$SUB_PID" 20 || fail "subscriber got $(wc -l < "$T/out$q") of 3000 at QoS $q"
		diff -u "$T/in$q" "$T/out$q" > "$T/diff" || fail "QoS $q: lines differ: $(head -20 "$T/diff")"
	done
	# one connection for all of them
	[ "$(grep -c 'New client connected.*mqpub' "$BROKER_LOG")" -eq 3 ] ||
		fail "not one connection per run: $(grep 'New client' "$BROKER_LOG")"
}

@test "--topic-lines: a bad line stops the run with exit 2; nothing after it is sent" {
	printf 'tl/a\tone\ntl/b\ttwo\nno separator here\ntl/c\tfour\n' > "$T/in"
	rsub_bg "$T/out" -t 'tl/#' -q 1 -v
	run --separate-stderr pub -q 1 --topic-lines < "$T/in"
	assert_failure 2
	assert_stderr_line mqpub '^mqpub: line 3: no separator between topic and payload'
	rpub -q 1 -t tl/end -m end
	wait_end "$T/out" "$SUB_PID" || fail "the end marker did not arrive"
	assert_file_eq "$T/out" "tl/a one
tl/b two
"
	printf 'tl/a\tone\ntl/+/x\tbad topic\ntl/c\tfour\n' > "$T/in"
	run --separate-stderr pub -q 1 --topic-lines < "$T/in"
	assert_failure 2
	assert_stderr_line mqpub '^mqpub: line 2: topic must be'
}

@test "--topic-lines --skip-bad: bad lines reported with their numbers, the rest sent, exit 6" {
	printf 'tl/a\tone\nnothing\ntl/b\ttwo\n\ttopic empty\ntl/c\tthree\n' > "$T/in"
	rsub_bg "$T/out" -t 'tl/#' -q 1 -v -C 3
	run --separate-stderr pub -q 1 --topic-lines --skip-bad < "$T/in"
	assert_failure 6
	sub_done 10
	assert_file_eq "$T/out" "tl/a one
tl/b two
tl/c three
"
	[ "$(printf '%s\n' "$stderr" | grep -c '^mqpub: line [24]: .*: skipped$')" -eq 2 ] || fail "stderr: $stderr"
	printf '%s\n' "$stderr" | grep -q '^mqpub: 2 bad lines skipped$' || fail "stderr: $stderr"
}

@test "--topic-sep: a separator of several bytes; only the first one splits" {
	printf 'ts/a::x::y\nts/b::\n' > "$T/in"
	rsub_bg "$T/out" -t 'ts/#' -C 2 -F '%t|%p'
	run --separate-stderr pub --topic-lines --topic-sep '::' < "$T/in"
	assert_success
	sub_done 10
	assert_file_eq "$T/out" "ts/a|x::y
ts/b|
"
}

@test "input options that do not go together are usage errors" {
	run --separate-stderr pub --topic-lines -t a </dev/null
	assert_failure 2
	run --separate-stderr pub --topic-lines -m x </dev/null
	assert_failure 2
	run --separate-stderr pub -t a -l --topic-sep , </dev/null
	assert_failure 2
	run --separate-stderr pub -t a -l --repeat 3 </dev/null
	assert_failure 2
	run --separate-stderr pub -t a -m x --repeat-delay 1
	assert_failure 2
	run --separate-stderr pub -t a -m x --repeat 2 --repeat-delay 1 --rate 5
	assert_failure 2
	local bad
	for bad in 0 -1 x 5/d 2000000; do
		run --separate-stderr pub -t a -m x --rate "$bad"
		assert_failure 2
		assert_stderr_line mqpub "bad value for --rate"
	done
	run --separate-stderr pub -t a -m x --spool "$T/sp" --repeat 2
	assert_failure 2
}

@test "--repeat N sends the message N times over one connection; --repeat-delay spaces them" {
	rsub_bg "$T/out" -t rp/a -C 5 -q 1
	run --separate-stderr pub -q 1 -t rp/a -m 'same' --repeat 5
	assert_success
	sub_done 10
	assert_file_eq "$T/out" "same
same
same
same
same
"
	rsub_bg "$T/out2" -t rp/b -C 3 -F '%U'
	run --separate-stderr pub -t rp/b -m x --repeat 3 --repeat-delay 0.4
	assert_success
	sub_done 10
	# arrival times: each gap at least 0.35 s (0.4 s asked)
	awk 'NR > 1 && $1 - prev < 0.35 { bad = 1; print "gap " $1 - prev } { prev = $1 } END { exit bad }' "$T/out2" ||
		fail "repeats not spaced: $(cat "$T/out2")"
}

# The pacer never catches up a delay in a burst, so a loaded machine can
# only make the rate lower: the bound above is 10%, the one below 20%.
@test "--rate: within 10% above and 20% below the asked rate over 10 s, and no burst after the broker stalls" {
	local n=500
	proxy_start
	seq "$n" > "$T/in"
	rsub_bg "$T/out" -t rate/a -C "$n" -q 1 -F '%U %p'
	"$MQPUB" -h 127.0.0.1 -p "$PROXY_PORT" -q 1 --max-inflight 5 -t rate/a -l --rate 50 \
		< "$T/in" 2> "$T/pub.err" &
	local pid=$!
	bg_track "$pid"
	# a 2 s stall in the middle: acknowledgements held, the window fills
	sleep 4
	ctl pause s2c > /dev/null
	sleep 2
	ctl resume > /dev/null
	wait_pid "$pid" 40 || fail "mqpub still running"
	[ "$WAIT_STATUS" -eq 0 ] || fail "mqpub exit $WAIT_STATUS: $(cat "$T/pub.err")"
	sub_done 20
	# the rate outside the stall: the first 150 messages (3 s) and the last 250 (5 s)
	awk -v n="$n" '{ t[NR] = $1 } END {
		r1 = 149 / (t[150] - t[1]); r2 = 249 / (t[n] - t[n - 249]);
		printf "rate before %.1f/s, after %.1f/s\n", r1, r2
		if (r1 < 40 || r1 > 55 || r2 < 40 || r2 > 55) exit 1 }' "$T/out" ||
		fail "rate off: $(awk -v n="$n" '{ t[NR] = $1 } END { print 149 / (t[150] - t[1]), 249 / (t[n] - t[n - 249]) }' "$T/out")"
	# no burst: in no 1-second window more than 50 + 10% + the one message
	# the stall may let through at once
	awk '{ t[NR] = $1 } END { j = 1; m = 0
		for (i = 1; i <= NR; i++) { while (t[i] - t[j] >= 1.0) j++; if (i - j + 1 > m) m = i - j + 1 }
		print "max in 1 s:", m; exit m > 57 }' "$T/out" || fail "burst after the stall: $(awk '{ t[NR] = $1 } END { j = 1; m = 0; for (i = 1; i <= NR; i++) { while (t[i] - t[j] >= 1.0) j++; if (i - j + 1 > m) m = i - j + 1 }; print m }' "$T/out") in one second"
	cut -d' ' -f2 "$T/out" | diff -q - "$T/in" > /dev/null || fail "messages lost or reordered"
}

@test "MQTT 5 properties from the command line arrive intact (mosquitto_sub -F)" {
	rsub_bg "$T/out" -V 5 -t pr/a -C 1 -F 'C=%C|E=%E|F=%F|R=%R|P=%P|p=%p'
	SUB_CMD=mosquitto_sub sub_bg "$T/corr" -V 5 -t pr/a -C 1 -N -F '%D'
	local corr_pid=$SUB_PID
	run --separate-stderr pub -q 1 -t pr/a -m 'héllo' \
		--user-property 'k1=v 1' --user-property 'k1=second' --user-property 'k2=a=b' \
		--content-type application/json --response-topic 'pr/reply' \
		--correlation-data hex:00ff10 --message-expiry 3600 --payload-format utf8
	assert_success
	sub_done 10
	SUB_PID=$corr_pid sub_done 10
	local got
	got=$(cat "$T/out")
	[[ $got == C=application/json\|* ]] || fail "content type: $got"
	[[ $got == *"|E=36"[0-9][0-9]"|"* ]] || fail "expiry: $got"
	[[ $got == *"|F=1|"* ]] || fail "payload format: $got"
	[[ $got == *"|R=pr/reply|"* ]] || fail "response topic: $got"
	[[ $got == *"|P=k1:v 1 k1:second k2:a=b|"* ]] || fail "user properties (order, repeats, '=' in value): $got"
	[[ $got == *"|p=héllo" ]] || fail "payload: $got"
	# correlation data is binary: compare its bytes
	[ "$(od -An -tx1 "$T/corr" | tr -d ' \n')" = 00ff10 ] ||
		fail "correlation data bytes: $(od -An -tx1 "$T/corr")"
	# base64: and plain text forms
	rsub_bg "$T/out2" -V 5 -t pr/b -C 2 -F '%D'
	pub -t pr/b -m x --correlation-data base64:aGVsbG8= || fail "base64: rejected"
	pub -t pr/b -m x --correlation-data 'plain text' || fail "text rejected"
	sub_done 10
	assert_file_eq "$T/out2" "hello
plain text
"
}

@test "MQTT 5 properties: bad values and -V 311 are usage errors naming the option" {
	local args
	while IFS= read -r args; do
		# shellcheck disable=SC2086
		run --separate-stderr pub -t a -m x $args
		[ "$status" -eq 2 ] || fail "'$args': exit $status, want 2"
		assert_stderr_line mqpub
	done <<'EOF'
--user-property novalue
--response-topic a/+
--correlation-data hex:abc
--correlation-data hex:zz
--correlation-data base64:@@@
--message-expiry 0
--payload-format text
-V 311 --content-type text/plain
-V 311 --user-property a=b
EOF
	run --separate-stderr pub -V 311 -t a -m x --message-expiry 5
	assert_stderr_line mqpub 'message-expiry needs MQTT 5'
	# --payload-format utf8 refuses a payload that is not UTF-8, before sending
	printf 'ok\n\377bad\n' > "$T/in"
	run --separate-stderr pub -t a -f "$T/in" --payload-format utf8
	assert_failure 2
	assert_stderr_line mqpub 'not valid UTF-8'
	run --separate-stderr pub -t a -l --payload-format utf8 < "$T/in"
	assert_failure 2
	assert_stderr_line mqpub '^mqpub: line 2: payload not valid UTF-8'
}

# in_pty COMMAND: run COMMAND (a shell string) on a pseudo-terminal, as a
# person at a terminal would; what the terminal shows goes to stdout.
in_pty() {
	script -qfec "$1" /dev/null
}

@test "progress: one updating line on a terminal when lines come from a file; never into a file or with --no-progress" {
	seq 5000 > "$T/in"
	local cmd="'$MQPUB' -h 127.0.0.1 -p $BROKER_PORT -q 1 -t pg/a -l --rate 2500"
	run in_pty "$cmd < '$T/in'"
	assert_success
	# several redraws, each starting with CR and ending by erasing the rest
	[ "$(grep -o $'\r''mqpub: [0-9]* sent' <<<"$output" | wc -l)" -ge 3 ] || fail "no updating line: $(od -c <<<"$output" | head)"
	grep -q $'mqpub: 5000 sent, 5000 acknowledged, 23.9 kB, [0-9]*/s, 100%, ETA 0:00\e\[K' <<<"$output" ||
		fail "no final line with the totals: $output"
	grep -qE '[0-9]+%, ETA [0-9]+:[0-9]{2}' <<<"$output" || fail "no share or ETA: $output"
	# standard error into a file: nothing but errors there
	run in_pty "$cmd < '$T/in' 2> '$T/err'"
	assert_success
	[ ! -s "$T/err" ] || fail "progress went into a file: $(od -c "$T/err" | head -3)"
	# --no-progress on a terminal
	run in_pty "$cmd --no-progress < '$T/in'"
	assert_success
	[[ $output != *sent* ]] || fail "--no-progress drew: $output"
	# --progress with a pipe: counts, no share or ETA (the size is unknown)
	run in_pty "cat '$T/in' | $cmd --progress"
	assert_success
	grep -q 'mqpub: 5000 sent, 5000 acknowledged' <<<"$output" || fail "--progress drew nothing: $output"
	[[ $output != *ETA* ]] || fail "an ETA without a known size: $output"
}

@test "progress: an error clears the line before it is printed" {
	seq 3000 | sed 's/^/pg\/b\t/' > "$T/in"
	printf 'bad line\n' >> "$T/in"
	run in_pty "'$MQPUB' -h 127.0.0.1 -p $BROKER_PORT -q 1 --topic-lines --rate 2000 < '$T/in'"
	assert_failure 2
	# the error starts on a clean line: CR and erase, then the message
	grep -q $'\r\e\[Kmqpub: line 3001: no separator' <<<"$output" || fail "error mixed into the progress line: $(tail -c 300 <<<"$output" | od -c)"
}

@test "--topic-lines uses MQTT 5 topic aliases when the broker allows them; topics still arrive whole" {
	# mosquitto allows 10 aliases: 5 topics fit, 40 make the table cycle
	local n
	broker_start "max_queued_messages 0"
	for n in 5 40; do
		awk -v n="$n" 'BEGIN { for (i = 1; i <= 2000; i++) printf "alias/topic/number/%d\t%d\n", i % n, i }' > "$T/in$n"
		SUB_CMD=mosquitto_sub sub_bg "$T/out$n" -t 'alias/#' -C 2000 -q 1 -F '%t\t%p'
		run --separate-stderr pub -d -q 1 --topic-lines < "$T/in$n"
		assert_success
		wait_pid "$SUB_PID" 20 || fail "$n topics: got $(wc -l < "$T/out$n") of 2000"
		diff -q "$T/in$n" "$T/out$n" > /dev/null || fail "$n topics: lines differ"
		# 40 topics in turn through 10 aliases: the first 10 keep theirs
		# (an alias is replaced only once stale), the others go whole
		grep -qE '^mqpub: topic aliases saved [1-9][0-9]* bytes' <<<"$stderr" ||
			fail "$n topics: no alias saving in -d: $(grep 'aliases saved' <<<"$stderr")"
	done
	# 5 topics, 2000 messages: all but the first 5 go with the alias alone
	run --separate-stderr pub -d -q 1 --topic-lines < "$T/in5"
	grep -q '^mqpub: topic aliases saved 39900 bytes' <<<"$stderr" ||
		fail "expected 1995 x 20 bytes saved: $(grep 'aliases saved' <<<"$stderr")"
	# -V 311: no aliases, same delivery
	run --separate-stderr pub -d -V 311 -q 1 --topic-lines < "$T/in5"
	assert_success
	[[ $stderr != *"aliases saved"* ]] || fail "aliases under 3.1.1"
}
