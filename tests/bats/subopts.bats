#!/usr/bin/env bats
# mqsub's subscription side against a real mosquitto: MQTT 5 subscription
# options (--no-local, --retain-as-published, --retain-handling), the
# Subscription Identifier (--sub-id), -U, --remove-retained, shared
# subscriptions, and mosquitto's -D property syntax.  The other peer is
# mosquitto_pub/mosquitto_sub where one is needed.

load helpers

setup() {
	common_setup
	broker_start
}

teardown() {
	common_teardown
}

# ---- subscription options ---------------------------------------------------

@test "-d shows the options byte and subscription identifier of the SUBSCRIBE" {
	run --separate-stderr sub -t 'o/#' -t o2 -q 1 --no-local --retain-as-published \
		--retain-handling 2 --sub-id 7 -E -d
	assert_success
	# QoS 1 | no-local 0x04 | retain as published 0x08 | handling 2 << 4
	grep -qF "> SUBSCRIBE id 1 (2 filters) 'o/#' options 0x2d 'o2' options 0x2d sub-id 7" <<<"$stderr" ||
		fail "no such SUBSCRIBE trace: $stderr"
	run --separate-stderr sub -t o -E -d
	grep -qF "> SUBSCRIBE id 1 (1 filters) 'o' options 0x00" <<<"$stderr" || fail "$stderr"
	[[ $stderr != *sub-id* ]] || fail "sub-id sent without --sub-id: $stderr"
}

@test "--retain-handling 2: no retained message on subscribing, live ones still come" {
	rpub -t rh/a -r -q 1 -m stale
	sub_bg "$T/out" -t 'rh/#' --retain-handling 2 -C 1
	rpub -t rh/a -q 1 -m live
	sub_done 10
	assert_file_eq "$T/out" "live
"
	# and without it the retained one comes first (the broker kept it)
	run --separate-stderr sub -t 'rh/#' --retained-only -W 5
	assert_success
	assert_output stale
}

@test "--retain-handling 1: retained messages only on a new subscription (kept session)" {
	rpub -t rh1/a -r -q 1 -m kept
	run --separate-stderr sub -c -i rh1 -t 'rh1/#' -q 1 --retain-handling 1 --retained-only -W 5
	assert_success
	assert_output kept
	# the session still holds the subscription: not new, nothing sent
	run --separate-stderr sub -c -i rh1 -t 'rh1/#' -q 1 --retain-handling 1 --retained-only -W 5
	assert_success
	assert_output ''
	# handling 0 on the same kept subscription: sent again
	run --separate-stderr sub -c -i rh1 -t 'rh1/#' -q 1 --retain-handling 0 --retained-only -W 5
	assert_success
	assert_output kept
}

@test "--retain-as-published: the retain flag of a message forwarded live is kept (-F %r, --json)" {
	local p1 p2
	sub_bg "$T/rap" -t 'rap/#' --retain-as-published -F '%r %t %p' -C 1
	p1=$SUB_PID
	sub_bg "$T/json" -t 'rap/#' --retain-as-published --json -C 1
	p2=$SUB_PID
	sub_bg "$T/plain" -t 'rap/#' -F '%r %t %p' -C 1
	rpub -t rap/x -r -q 1 -m hi
	sub_done 10
	SUB_PID=$p1 sub_done 10
	SUB_PID=$p2 sub_done 10
	assert_file_eq "$T/rap" "1 rap/x hi
"
	assert_file_eq "$T/plain" "0 rap/x hi
"
	grep -qF '"retain":true' "$T/json" || fail "--json: $(cat "$T/json")"
	rpub -t rap/x -r -n
}

@test "--sub-id 7: in --json subscription_identifiers and in -F %S" {
	sub_bg "$T/json" -t 'sid/#' --sub-id 7 --json -C 1
	local json_pid=$SUB_PID
	sub_bg "$T/out" -t 'sid/#' --sub-id 268435455 -F '%S %t' -C 1
	rpub -t sid/a -q 1 -m x
	sub_done 10
	SUB_PID=$json_pid sub_done 10
	grep -qF '"subscription_identifiers":[7]' "$T/json" || fail "--json: $(cat "$T/json")"
	assert_file_eq "$T/out" "268435455 sid/a
"
}

@test "--sub-id is kept on the SUBSCRIBE sent again after a reconnect" {
	sub_bg "$T/out" -t 'sr/#' --sub-id 42 -F '%S %p' -q 1 -C 2 --reconnect-min 50 --reconnect-max 200
	rpub -t sr/a -q 1 -m one
	wait_for_lines "$T/out" 1 10
	local from
	from=$(log_lines)
	broker_restart
	wait_subscribed "$from" "$SUB_PID" 'sr/#'
	rpub -t sr/a -q 1 -m two
	sub_done 10
	assert_file_eq "$T/out" "42 one
42 two
"
}

@test "--retain-handling, --sub-id: bad values are usage errors (exit 2)" {
	local bad
	for bad in "--retain-handling 3" "--retain-handling x" "--sub-id 0" "--sub-id 268435456"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$MQSUB" -t a $bad
		assert_failure 2
		assert_stderr_line mqsub "bad value for ${bad% *}"
	done
}

@test "MQTT 5 subscription options with -V 311: usage error naming the option" {
	local opt
	for opt in --no-local --retain-as-published "--retain-handling 1" "--sub-id 3"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$MQSUB" -t a -V 311 $opt
		assert_failure 2
		assert_stderr_line mqsub "^mqsub: ${opt% *} needs MQTT 5 \(not -V 311\)$"
	done
}

@test "MQTT 5 subscription options on a 3.1.1-only broker: no fall back, exit 3 naming them" {
	fake_broker v311only
	run --separate-stderr timeout 20 "$MQSUB" -p "$FAKE_PORT" -h 127.0.0.1 -t a --no-local --sub-id 4
	assert_failure 3
	assert_stderr_line mqsub "does not support MQTT 5, which --no-local, --sub-id needs"
	# without them the same broker is talked to in 3.1.1
	run --separate-stderr timeout 20 "$MQSUB" -p "$FAKE_PORT" -h 127.0.0.1 -t a -W 1 -d
	[[ $stderr == *"> CONNECT v3.1.1"* ]] || fail "no 3.1.1 fall back: $stderr"
}

# ---- -U / --unsubscribe -------------------------------------------------------

# queued ID FILTER...: start a kept session ID subscribed (QoS 1) to FILTERs.
kept_session() {
	local id=$1 args=() f
	shift
	for f in "$@"; do args+=(-t "$f"); done
	run --separate-stderr sub -c -i "$id" -q 1 "${args[@]}" -E
	assert_success
}

@test "-U with -c -i ID removes a subscription the kept session holds" {
	kept_session u1 'a/#' other
	rpub -t a/x -q 1 -m before
	# what was queued before the UNSUBSCRIBE still comes
	run --separate-stderr sub -c -i u1 -q 1 -U 'a/#' -t other -W 1
	assert_success
	assert_output before
	grep -qE "Received UNSUBSCRIBE from u1" "$BROKER_LOG" || fail "no UNSUBSCRIBE in the broker log"
	rpub -t a/x -q 1 -m gone
	rpub -t other -q 1 -m here
	# a/# is no longer queued for u1; other still is
	run --separate-stderr sub -c -i u1 -q 1 -t other -W 2
	assert_success
	assert_output here
}

@test "-U alone: unsubscribes, prints nothing, exits 0 (mosquitto_sub wants a -t)" {
	kept_session u2 'b/#' keep/x
	rpub -t b/x -q 1 -m queued
	run --separate-stderr sub -c -i u2 -q 1 -U 'b/#' -d
	assert_success
	assert_output ''
	grep -qE '^mqsub: > UNSUBSCRIBE id [0-9]+$' <<<"$stderr" || fail "$stderr"
	grep -qE '^mqsub: < UNSUBACK id [0-9]+ 0x00$' <<<"$stderr" || fail "$stderr"
	# the message queued before is still there (not acknowledged), new ones are not queued
	rpub -t b/x -q 1 -m after
	rpub -t keep/x -q 1 -m last
	run --separate-stderr sub -c -i u2 -q 1 -t keep/x -W 2
	assert_success
	assert_output "queued
last"
}

@test "-U for a subscription that does not exist: UNSUBACK 0x11 is no error" {
	run --separate-stderr sub -U nothing/here -U 'two/#' -d
	assert_success
	grep -qE '^mqsub: < UNSUBACK id [0-9]+ 0x11 0x11$' <<<"$stderr" || fail "$stderr"
	[ "$(grep -c -v '^mqsub: [<>] \|->' <<<"$stderr")" -eq 0 ] || fail "an error printed: $stderr"
}

@test "-U with -t and -E: exits once both SUBACK and UNSUBACK came" {
	run --separate-stderr sub -t e/a -U e/b -E -d
	assert_success
	grep -q '< SUBACK' <<<"$stderr" || fail "$stderr"
	grep -q '< UNSUBACK' <<<"$stderr" || fail "$stderr"
}

@test "-U refused by the broker (MQTT 5 UNSUBACK 0x87): one line on stderr, exit 6" {
	local plugin f="$BROKER_DIR/dynsec-unsub.json"
	plugin=$(dynsec_plugin) || skip "no mosquitto dynamic security plugin"
	cat >"$f" <<'JSON'
{
 "defaultACLAccess": {"publishClientSend": true, "publishClientReceive": true,
                      "subscribe": true, "unsubscribe": true},
 "clients": [],
 "groups": [{"groupname": "anon", "roles": [{"rolename": "r"}]}],
 "roles": [{"rolename": "r", "acls": [
   {"acltype": "unsubscribePattern", "topic": "stuck/#", "priority": 0, "allow": false}]}],
 "anonymousGroup": "anon"
}
JSON
	broker_stop
	broker_start "plugin $plugin" "plugin_opt_config_file $f"
	run --separate-stderr sub -U free/x -U stuck/x
	assert_failure 6
	assert_stderr_line mqsub
	assert_equal "${stderr_lines[0]}" "mqsub: unsubscribe from 'stuck/x' refused: not authorized"
}

@test "-U: a bad filter is a usage error (exit 2)" {
	run --separate-stderr "$MQSUB" -U 'a/#/b'
	assert_failure 2
	assert_stderr_line mqsub "bad topic filter 'a/#/b' for -U"
	run --separate-stderr "$MQSUB"
	assert_failure 2
	assert_stderr_line mqsub "no topic: give -t FILTER .*, or -U FILTER"
}

# ---- --remove-retained --------------------------------------------------------

# retain_many PREFIX N: N retained messages PREFIX/1..N (payload vI), QoS 1.
retain_many() {
	local i
	for ((i = 1; i <= $2; i++)); do
		printf '%s/%d\tv%d\n' "$1" "$i" "$i"
	done | pub --topic-lines -r -q 1
}

# retained_count FILTER: how many retained messages a fresh subscriber gets.
retained_count() {
	local out
	out=$(sub -t "$1" --retained-only -W 5 -v) || return 1
	[ -z "$out" ] && echo 0 || wc -l <<<"$out"
}

@test "--remove-retained --retained-only -W: 50 retained messages wiped, QoS 1 (more than the broker's window)" {
	retain_many w 50
	assert_equal "$(retained_count 'w/#')" 50
	run --separate-stderr sub -t 'w/#' -q 1 --remove-retained --retained-only -W 5 -v
	assert_success
	assert_equal "${#lines[@]}" 50
	assert_stderr_line mqsub '^mqsub: cleared 50 retained messages$'
	assert_equal "$(retained_count 'w/#')" 0
	# and mosquitto_sub, an independent peer, sees none either
	run --separate-stderr rsub -t 'w/#' -v -W 1
	refute_output --partial 'w/'
}

@test "--remove-retained honours -T: w/keep stays, the rest is cleared (QoS 0)" {
	retain_many w 20
	rpub -t w/keep -r -m kept
	run --separate-stderr sub -t 'w/#' -T w/keep --remove-retained --retained-only -W 5
	assert_success
	assert_stderr_line mqsub '^mqsub: cleared 20 retained messages$'
	run --separate-stderr sub -t 'w/#' --retained-only -W 5 -v
	assert_output 'w/keep kept'
}

@test "--remove-retained on an empty tree: cleared 0, exit 0; with -R nothing printed but all cleared" {
	run --separate-stderr sub -t 'none/#' --remove-retained --retained-only -W 5
	assert_success
	assert_output ''
	assert_stderr_line mqsub '^mqsub: cleared 0 retained messages$'
	retain_many r 3
	run --separate-stderr sub -t 'r/#' -R --remove-retained -W 2 -q 2
	assert_success
	assert_output ''
	assert_stderr_line mqsub '^mqsub: cleared 3 retained messages$'
	assert_equal "$(retained_count 'r/#')" 0
}

@test "--no-local: the empty messages --remove-retained publishes do not come back" {
	rpub -t nl/a -r -q 1 -m x
	run --separate-stderr sub -t 'nl/#' --remove-retained -F '%r %t [%p]' -W 2
	assert_success
	assert_output "1 nl/a [x]
0 nl/a []"
	rpub -t nl/a -r -q 1 -m x
	run --separate-stderr sub -t 'nl/#' --no-local --remove-retained -F '%r %t [%p]' -W 2
	assert_success
	assert_output "1 nl/a [x]"
	assert_equal "$(retained_count 'nl/#')" 0
}

@test "--remove-retained refused by the broker: counted, exit 6" {
	local lines
	dynsec_plugin >/dev/null || skip "no mosquitto dynamic security plugin"
	broker_start "persistence true"
	rpub -t ro/a -r -q 1 -m x   # before the plugin forbids publishing to ro/#
	rpub -t ro/b -r -q 1 -m y
	mapfile -t lines < <(make_dynsec)
	broker_stop
	broker_start "${lines[@]}" "persistence true"
	[ "$(retained_count 'ro/#')" -eq 2 ] || skip "mosquitto did not keep the retained messages across the restart"
	run --separate-stderr sub -t 'ro/#' -q 1 --remove-retained --retained-only -W 5
	assert_failure 6
	assert_stderr_line mqsub '^mqsub: cleared 0 of 2 retained messages; the broker refused 2$'
}

# ---- shared subscriptions ------------------------------------------------------

@test "shared subscription: two mqsub -q 1 in one group split 2000 QoS 1 messages, none lost or twice" {
	local p1 p2 n1 n2
	sub_bg "$T/s1" -t '$share/grp/sh/#' -q 1 -F '%p'
	p1=$SUB_PID
	sub_bg "$T/s2" -t '$share/grp/sh/#' -q 1 -F '%p'
	p2=$SUB_PID
	seq 1 2000 | pub -t sh/x -q 1 -l
	local end=$(( $(now_ms) + 20000 ))
	while (( $(cat "$T/s1" "$T/s2" | wc -l) < 2000 )) && (( $(now_ms) < end )); do
		sleep 0.1
	done
	sleep 0.5   # a duplicate, if any, would come right after
	kill -TERM "$p1" "$p2"
	SUB_PID=$p1 sub_done 10
	SUB_PID=$p2 sub_done 10
	n1=$(wc -l <"$T/s1")
	n2=$(wc -l <"$T/s2")
	(( n1 > 0 && n2 > 0 )) || fail "one subscriber got nothing: $n1 and $n2"
	assert_equal "$(cat "$T/s1" "$T/s2" | sort -n | uniq -d | head -n 3)" ''
	assert_equal "$(cat "$T/s1" "$T/s2" | sort -n)" "$(seq 1 2000)"
}

@test "shared subscription filters: a bad group or no filter is a usage error" {
	local f
	for f in '$share/+/a' '$share/g' '$share/g/' '$share//a' '$share/#'; do
		run --separate-stderr "$MQSUB" -t "$f"
		assert_failure 2
		assert_stderr_line mqsub "bad topic filter '\\\$share/.*' for -t: .*GROUP"
	done
}

# ---- mosquitto's -D property syntax ---------------------------------------------

@test "-D publish ...: mqpub's message carries the properties (seen by mosquitto_sub)" {
	SUB_CMD=mosquitto_sub sub_bg "$T/out" -V 5 -t dp/x -F '%C|%P|%E|%F|%R' -C 1
	run --separate-stderr pub -t dp/x -q 1 -m hello -D publish content-type text/plain \
		-D PUBLISH user-property k1 v1 -D publish user-property k2 'v 2' \
		-D publish message-expiry-interval 600 -D publish payload-format-indicator 1 \
		-D publish response-topic re/ply
	assert_success
	sub_done 10
	assert_file_eq "$T/out" "text/plain|k1:v1 k2:v 2|600|1|re/ply
"
}

@test "-D connect session-expiry-interval 60: mqsub's session outlives the connection" {
	run --separate-stderr sub -i dx -q 1 -t dx/a -E -D connect session-expiry-interval 60
	assert_success
	rpub -t dx/a -q 1 -m kept
	run --separate-stderr sub -c -i dx -q 1 -t dx/a -C 1 -W 5
	assert_success
	assert_output kept
	# the same without -D: a clean session ends with the connection
	run --separate-stderr sub -i dy -q 1 -t dy/a -E
	rpub -t dy/a -q 1 -m lost
	run --separate-stderr sub -c -i dy -q 1 -t dy/a -W 2
	assert_output ''
}

@test "-D subscribe subscription-identifier, -D will ..., -D connect user-property: mapped" {
	local ours will
	SUB_CMD=mosquitto_sub sub_bg "$T/will" -V 5 -t dsub/will -F '%C|%P|%p' -C 1
	will=$SUB_PID
	sub_bg "$T/out" -t 'dsub/+/x' -F '%S %t' -D subscribe subscription-identifier 9 \
		-D connect user-property who me -D connect receive-maximum 10 \
		--will-topic dsub/will --will-payload gone -D will content-type text/x \
		-D will user-property a b -D will will-delay-interval 0
	ours=$SUB_PID
	rpub -t dsub/a/x -q 1 -m x
	wait_for_lines "$T/out" 1 10
	assert_file_eq "$T/out" "9 dsub/a/x
"
	kill -KILL "$ours"   # no DISCONNECT: the broker publishes the will
	SUB_PID=$will sub_done 10
	assert_file_eq "$T/will" "text/x|a:b|gone
"
	run --separate-stderr sub -t a -E -D connect request-response-information 1
	assert_success
}

@test "-D: unknown or unsupported command or property is a usage error naming it (both tools)" {
	run --separate-stderr "$MQPUB" -t a -m b -D connect topic-alias-maximum 5
	assert_failure 2
	assert_stderr_line mqpub "^mqpub: -D connect topic-alias-maximum is not supported by mqpub"
	run --separate-stderr "$MQSUB" -t a -D publish content-type x
	assert_failure 2
	assert_stderr_line mqsub "^mqsub: -D publish content-type is not supported by mqsub"
	run --separate-stderr "$MQSUB" -t a -D subscribe user-property k v
	assert_failure 2
	assert_stderr_line mqsub "^mqsub: -D subscribe user-property is not supported"
	run --separate-stderr "$MQPUB" -t a -m b -D conect session-expiry-interval 5
	assert_failure 2
	assert_stderr_line mqpub "^mqpub: -D: unknown command 'conect'"
	run --separate-stderr "$MQSUB" -t a -D connect session-expiry 5
	assert_failure 2
	assert_stderr_line mqsub "^mqsub: -D connect: unknown property 'session-expiry'$"
	run --separate-stderr "$MQSUB" -t a -D connect user-property k
	assert_failure 2
	assert_stderr_line mqsub "^mqsub: -D connect: needs PROPERTY VALUE"
	run --separate-stderr "$MQPUB" -t a -m b -D publish payload-format-indicator 2
	assert_failure 2
	assert_stderr_line mqpub "bad value '2' \(0 or 1\)"
	run --separate-stderr "$MQPUB" -t a -m b -D publish user-property 'k=x' v
	assert_failure 2
	assert_stderr_line mqpub "a name with '=' cannot be given"
	# a value the long option refuses is refused the same way
	run --separate-stderr "$MQSUB" -t a -D subscribe subscription-identifier 0
	assert_failure 2
	assert_stderr_line mqsub "bad value for --sub-id: '0'"
	run --separate-stderr "$MQSUB" -t a -V 311 -D connect user-property k v -E
	assert_failure 2
	assert_stderr_line mqsub "connect-user-property needs MQTT 5"
}
