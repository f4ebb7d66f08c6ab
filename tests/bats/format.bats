#!/usr/bin/env bats
# mqsub -F against mosquitto_sub -F, differentially: both subscribe to
# the same broker, get the same messages, and must print the same bytes
# for every specifier they share.

load helpers

setup() {
	common_setup
	broker_start
}

teardown() {
	common_teardown
}

# both FORMAT ARGS...: start mqsub and mosquitto_sub with -F FORMAT and
# ARGS on topic fmt/#, each to its own file; sets MINE and THEIRS pids.
both() {
	local fmt=$1
	shift
	sub_bg "$T/mine" -V 5 -t 'fmt/#' -F "$fmt" "$@"
	MINE=$SUB_PID
	SUB_CMD=mosquitto_sub sub_bg "$T/theirs" -V 5 -t 'fmt/#' -F "$fmt" "$@"
	THEIRS=$SUB_PID
}

# publish_set: the messages every comparison uses: plain, empty, binary
# with NUL and high bytes, several lines, UTF-8, and MQTT 5 properties.
publish_set() {
	rpub -t fmt/a -m 'hello world'
	rpub -t fmt/b/empty -n
	printf 'bin\0ary\377\001\n' > "$T/bin"
	rpub -t fmt/c -f "$T/bin"
	rpub -t fmt/d -m $'line one\nline two'
	rpub -t fmt/é -m 'ünïcödé'
	rpub -t fmt/p -m props -V 5 -D publish content-type text/plain \
		-D publish response-topic fmt/reply -D publish correlation-data c0rr \
		-D publish message-expiry-interval 120 -D publish payload-format-indicator 1 \
		-D publish user-property k1 v1 -D publish user-property k1 v2
}

same_output() {
	wait_pid "$MINE" 10 || fail "mqsub did not finish: $(cat "$T/mine.err")"
	wait_pid "$THEIRS" 10 || fail "mosquitto_sub did not finish"
	cmp "$T/theirs" "$T/mine" || fail "differ: $(diff <(od -c "$T/theirs") <(od -c "$T/mine") | head -20)"
}

@test "-F: every message specifier prints what mosquitto_sub prints, byte for byte" {
	local fmt
	for fmt in '%t|%p|%l|%q|%r' '%x %X' '%C|%R|%D|%P|%F' '%%|%m' '[%10t][%-10t][%.3t][%6.2t]' \
		   '[%5l][%05l][%-5l]' 'a\tb\\c\ed\ae' '%A%S'; do
		both "$fmt" -C 6 -q 1
		publish_set
		same_output
	done
}

@test "-F: a width on %x/%X pads the whole hex string (mosquitto_sub 2.0.11 cuts the payload instead)" {
	sub_bg "$T/mine" -t fmt/w -F '[%8x][%-8X][%08x]' -C 2
	rpub -t fmt/w -m hi
	rpub -t fmt/w -m 'hello world'
	sub_done_ok() { wait_pid "$SUB_PID" 10 || fail "mqsub did not finish"; }
	sub_done_ok
	assert_file_eq "$T/mine" "[    6869][6869    ][00006869]
[68656c6c6f20776f726c64][68656C6C6F20776F726C64][68656c6c6f20776f726c64]
"
}

@test "-F: 1 MB binary payload, and -N, as mosquitto_sub" {
	head -c 1048576 /dev/urandom > "$T/big"
	both '%l:%p' -C 1 -N
	rpub -t fmt/big -f "$T/big"
	same_output
}

@test "-F: time fields have mosquitto_sub's shape (%I, %U, @ strftime, @N)" {
	both '%I|%U|@Y-@m-@d|@N' -C 1
	rpub -t fmt/t -m x
	same_output 2>/dev/null || true
	grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4}\|[0-9]{10}\.[0-9]{9}\|[0-9]{4}-[0-9]{2}-[0-9]{2}\|[0-9]{9}$' "$T/mine" ||
		fail "mqsub: $(cat "$T/mine")"
	grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4}\|[0-9]{10}\.[0-9]{9}\|[0-9]{4}-[0-9]{2}-[0-9]{2}\|[0-9]{9}$' "$T/theirs" ||
		fail "mosquitto_sub's shape changed: $(cat "$T/theirs")"
	# the same day, the same second or the next
	[ "$(cut -d'|' -f3 "$T/mine")" = "$(cut -d'|' -f3 "$T/theirs")" ] || fail "dates differ"
}

@test "-F: a bad format is exit 2 with a caret under the problem" {
	local f
	for f in '%t %k' 'abc%' 'x\q' 'tail\' '%5.2q' 'at@'; do
		run --separate-stderr timeout 10 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t a -F "$f"
		assert_failure 2
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 3 ] || fail "'$f': $stderr"
		[[ $(head -n 1 <<<"$stderr") == "mqsub: bad -F format: "* ]] || fail "'$f': $stderr"
	done
	run --separate-stderr timeout 10 "$MQSUB" -h 127.0.0.1 -p "$BROKER_PORT" -t a -F 'ok %t %k'
	[ "$(sed -n 3p <<<"$stderr")" = "        ^" ] || fail "caret not under %k: $(od -c <<<"$stderr" | tail -3)"
}
