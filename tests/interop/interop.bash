# interop.bash - the interop suite's harness: the same scenarios against
# real brokers of several kinds, each started privately on a free loopback
# port and stopped after the file (setup_file / teardown_file).
#
#   mosquitto     the Debian mosquitto (MQTT 5 and 3.1.1)
#   aedes         aedes on node (MQTT 3.1.1 only), pinned in aedes/package.json
#   rabbitmq      Debian's rabbitmq-server with rabbitmq_mqtt (3.1.1 only)
#   rabbitmq-ws   the same with rabbitmq_web_mqtt: MQTT over WebSocket too
#
# Clients run with default flags (no -V) unless MQV is set (mosquitto311
# runs the same scenarios with -V 311).  Every wait is bounded.

load '../bats/helpers.bash'

INTEROP_DIR="$(cd "$BATS_TEST_DIRNAME" && pwd)"
MQV=(${MQV:-})

# say TEXT: a line in the TAP output (how long a broker took to start).
say() {
	echo "# $*" >&3
}

# ---------------------------------------------------------------- brokers

# aedes_install: npm ci into tests/interop/aedes (node_modules is cached
# there and ignored by git).
aedes_install() {
	local d="$INTEROP_DIR/aedes"
	[ -f "$d/node_modules/aedes/package.json" ] &&
		grep -q '"version": "1.2.0"' "$d/node_modules/aedes/package.json" && return 0
	command -v npm >/dev/null || { echo "npm missing: run tools/ensure-deps" >&2; return 1; }
	(cd "$d" && timeout 300 npm ci --no-audit --no-fund >/dev/null 2>"$d/npm.err") || {
		cat "$d/npm.err" >&2
		return 1
	}
}

# aedes_launch DIR: start aedes on a free port; sets PID and PORT vars
# named by $2 and $3 (default IB_PID IB_PORT).
aedes_launch() {
	local dir=$1 end
	mkdir -p "$dir"
	node "$INTEROP_DIR/aedes/start.mjs" 0 >"$dir/aedes.out" 2>"$dir/aedes.err" &
	IB_PID=$!
	end=$(( $(now_ms) + 15000 ))
	while (( $(now_ms) < end )); do
		IB_PORT=$(awk '/^listening/ {print $2}' "$dir/aedes.out")
		[ -n "$IB_PORT" ] && return 0
		alive "$IB_PID" || break
		sleep 0.05
	done
	cat "$dir/aedes.err" >&2
	return 1
}

# mosq_launch DIR: a private mosquitto on a free port (IB_PID, IB_PORT).
mosq_launch() {
	local dir=$1 try
	mkdir -p "$dir"
	for try in 1 2 3; do
		IB_PORT=$(free_port)
		printf '%s\n' "listener $IB_PORT 127.0.0.1" "allow_anonymous true" \
			"user root" "log_dest file $dir/mosquitto.log" > "$dir/mosquitto.conf"
		"$MOSQUITTO" -c "$dir/mosquitto.conf" >"$dir/stdout" 2>"$dir/stderr" &
		IB_PID=$!
		local end=$(( $(now_ms) + 10000 ))
		while (( $(now_ms) < end )); do
			port_open "$IB_PORT" && return 0
			alive "$IB_PID" || break
			sleep 0.02
		done
		kill -KILL "$IB_PID" 2>/dev/null || true
	done
	return 1
}

# ib_start KIND DIR: start a broker of KIND, say how long it took.
ib_start() {
	local kind=$1 dir=$2 t0
	t0=$(now_ms)
	case $kind in
	mosquitto) mosq_launch "$dir" ;;
	aedes) aedes_install && aedes_launch "$dir" ;;
	rabbitmq) rabbit_launch "$dir" ;;
	rabbitmq-ws) rabbit_launch "$dir" ws ;;
	*) echo "unknown broker kind $kind" >&2; return 1 ;;
	esac || return 1
	say "$kind $(ib_version "$kind") started in $(( $(now_ms) - t0 )) ms on port $IB_PORT${IB_WSPORT:+, WebSocket $IB_WSPORT}"
}

# ib_version KIND: the version of the broker that runs.
ib_version() {
	case $1 in
	mosquitto) "$MOSQUITTO" -h 2>&1 | sed -n '1s/.*version //p' ;;
	aedes) sed -n 's/^[[:space:]]*"version": "\(.*\)",/\1/p' \
		"$INTEROP_DIR/aedes/node_modules/aedes/package.json" | head -1 ;;
	rabbitmq | rabbitmq-ws) dpkg-query -W -f '${Version}' rabbitmq-server 2>/dev/null ;;
	esac
}

# ib_stop PID: SIGTERM, bounded, then SIGKILL.
ib_stop() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	wait_pid "$pid" 15 || { kill -KILL "$pid" 2>/dev/null; wait_pid "$pid" 5; }
}

# suite_setup KIND: one broker for the whole file.
suite_setup() {
	export IB_KIND=$1
	local dir="$BATS_FILE_TMPDIR/$1"
	ib_start "$1" "$dir" || return 1
	export IB_PORT IB_WSPORT IB_PID IB_DIR="$dir" RB_PID RB_DIR RB_EPMD
}

suite_teardown() {
	if [[ $IB_KIND == rabbitmq* ]]; then rabbit_stop; else ib_stop "$IB_PID"; fi
}

# ---------------------------------------------------------------- clients

# sub_start OUT ARGS...: mqsub -d in the background on the file's broker,
# stdout to OUT; returns once the broker has acknowledged the SUBSCRIBE.
sub_start() {
	local out=$1 end
	shift
	"$MQSUB" "${MQV[@]}" -d -p "$IB_PORT" -h 127.0.0.1 "$@" >"$out" 2>"$out.err" &
	SUB_PID=$!
	bg_track "$SUB_PID"
	end=$(( $(now_ms) + 15000 ))
	while (( $(now_ms) < end )); do
		grep -q '< SUBACK' "$out.err" 2>/dev/null && return 0
		alive "$SUB_PID" || break
		sleep 0.02
	done
	cat "$out.err" >&2
	return 1
}

# sub_wait TIMEOUT: wait for the subscriber to end; fail unless it exits 0.
sub_wait() {
	wait_pid "$SUB_PID" "$1" || { cat "$T/sub.err" >&2 2>/dev/null; fail "mqsub still running after $1 s"; }
	[ "$WAIT_STATUS" = 0 ] || { tail -5 "$T"/*.err >&2; fail "mqsub exited $WAIT_STATUS"; }
}

pub() {
	"$MQPUB" "${MQV[@]}" -p "$IB_PORT" -h 127.0.0.1 "$@"
}

sub() {
	"$MQSUB" "${MQV[@]}" -p "$IB_PORT" -h 127.0.0.1 "$@"
}

# A topic of its own for each test (retained messages and sessions last).
topic() {
	echo "interop/$BATS_TEST_NUMBER/$$/$1"
}

# ---------------------------------------------------------------- scenarios

# scn_stream QOS: 1,000 lines published with -l arrive exactly, in order.
scn_stream() {
	local q=$1 t
	t=$(topic "stream$q")
	seq -f 'line %g of the stream' 1000 > "$T/want"
	sub_start "$T/sub" -q "$q" -t "$t" -C 1000 -W 60
	run pub -q "$q" -t "$t" -l -W 60 < "$T/want"
	[ "$status" -eq 0 ] || fail "mqpub exited $status: $output"
	sub_wait 60
	cmp "$T/want" "$T/sub" || fail "stream at QoS $q differs ($(wc -l < "$T/sub") lines)"
}

# scn_binary: every byte value, payloads passed byte for byte.
scn_binary() {
	local t
	t=$(topic bin)
	"$PYTHON" -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 16 + b"\0\r\n\xff")' > "$T/bin"
	sub_start "$T/sub" -q 1 -t "$t" -C 1 -N -W 30
	run pub -q 1 -t "$t" -f "$T/bin"
	[ "$status" -eq 0 ] || fail "mqpub exited $status: $output"
	sub_wait 30
	cmp "$T/bin" "$T/sub"
}

# scn_retained: a retained message reaches a later subscriber; an empty
# retained message clears it.
scn_retained() {
	local t
	t=$(topic ret)
	run pub -q 1 -r -t "$t" -m "kept value"
	[ "$status" -eq 0 ] || fail "mqpub exited $status: $output"
	run sub -q 1 -t "$t" -C 1 -W 15
	[ "$status" -eq 0 ] || fail "mqsub exited $status: $output"
	[ "$output" = "kept value" ]
	run pub -q 1 -r -n -t "$t"
	[ "$status" -eq 0 ]
}

# scn_will: a client killed without DISCONNECT has its will published.
scn_will() {
	local t wp
	t=$(topic will)
	sub_start "$T/sub" -q 1 -t "$t" -C 1 -W 30
	"$MQSUB" "${MQV[@]}" -p "$IB_PORT" -h 127.0.0.1 -t "$(topic idle)" -k 5 \
		--will-topic "$t" --will-payload "gone away" --will-qos 1 -d \
		>/dev/null 2>"$T/willer.err" &
	wp=$!
	bg_track "$wp"
	local end=$(( $(now_ms) + 15000 ))
	until grep -q '< SUBACK' "$T/willer.err"; do
		(( $(now_ms) < end )) || fail "the will client never subscribed"
		sleep 0.02
	done
	kill -KILL "$wp"
	sub_wait 30
	[ "$(cat "$T/sub")" = "gone away" ]
}

# scn_session: a kept session (-c) gets what was published while away.
scn_session() {
	local t id
	t=$(topic session)
	id="interop-$$-$BATS_TEST_NUMBER"
	run sub -c -i "$id" -q 1 -t "$t" -E
	[ "$status" -eq 0 ] || fail "first mqsub exited $status: $output"
	run pub -q 1 -t "$t" -l <<< $'one\ntwo\nthree'
	[ "$status" -eq 0 ] || fail "mqpub exited $status: $output"
	run sub -c -i "$id" -q 1 -t "$t" -C 3 -W 20
	[ "$status" -eq 0 ] || fail "second mqsub exited $status: $output"
	[ "$output" = $'one\ntwo\nthree' ]
	run sub -i "$id" -t "$t" -E   # a clean session ends the kept one
}

# scn_wildcards: + and # filters, and a topic that matches neither.
scn_wildcards() {
	local b
	b=$(topic w)
	sub_start "$T/sub" -q 1 -v -t "$b/+/temp" -t "$b/x/#" -C 3 -W 30
	for t in "$b/kitchen/temp" "$b/kitchen/hum" "$b/x/1/2" "$b/hall/temp"; do
		run pub -q 1 -t "$t" -m "at $t"
		[ "$status" -eq 0 ] || fail "mqpub exited $status: $output"
	done
	sub_wait 30
	printf '%s\n' "$b/kitchen/temp at $b/kitchen/temp" "$b/x/1/2 at $b/x/1/2" \
		"$b/hall/temp at $b/hall/temp" > "$T/want"
	cmp "$T/want" "$T/sub"
}

# ---------------------------------------------------------------- RabbitMQ

# rabbit_launch DIR [ws]: Debian's rabbitmq-server with rabbitmq_mqtt as a
# private node: its own name, HOME (Erlang cookie), config, data and log
# dirs under DIR, its own epmd on a free port, everything on 127.0.0.1.
# Sets IB_PORT (MQTT) and RB_* for rabbit_stop.  With ws, rabbitmq_web_mqtt
# too, MQTT over WebSocket at ws://127.0.0.1:$IB_WSPORT/ws.
rabbit_launch() {
	local dir=$1 ws=${2:-} end
	[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] ||
		{ echo "rabbitmq-server missing: run tools/ensure-deps" >&2; return 1; }
	mkdir -p "$dir/home" "$dir/log" "$dir/mnesia"
	IB_PORT=$(free_port)
	RB_EPMD=$(free_port)
	local amqp dist
	amqp=$(free_port)
	dist=$(free_port)
	printf '%s\n' "listeners.tcp.default = 127.0.0.1:$amqp" \
		"mqtt.listeners.tcp.default = 127.0.0.1:$IB_PORT" \
		"mqtt.allow_anonymous = true" > "$dir/rabbitmq.conf"
	echo '[rabbitmq_mqtt].' > "$dir/enabled_plugins"
	IB_WSPORT=
	if [ "$ws" = ws ]; then
		IB_WSPORT=$(free_port)
		printf '%s\n' "web_mqtt.tcp.ip = 127.0.0.1" "web_mqtt.tcp.port = $IB_WSPORT" \
			"web_mqtt.ws_path = /ws" >> "$dir/rabbitmq.conf"
		echo '[rabbitmq_mqtt,rabbitmq_web_mqtt].' > "$dir/enabled_plugins"
	fi
	: > "$dir/rabbitmq-env.conf"
	RB_DIR=$dir
	(
		export HOME="$dir/home" RABBITMQ_NODENAME="mqinterop$$@localhost"
		export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$amqp
		export RABBITMQ_DIST_PORT=$dist ERL_EPMD_PORT=$RB_EPMD ERL_EPMD_ADDRESS=127.0.0.1
		export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
		export RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log"
		export RABBITMQ_LOGS="$dir/log/node.log" RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
		export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" RABBITMQ_PID_FILE="$dir/pid"
		export RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
		export RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
		export RABBITMQ_PLUGINS_EXPAND_DIR="$dir/plugins-expand"
		exec /usr/lib/rabbitmq/bin/rabbitmq-server
	) >"$dir/stdout" 2>"$dir/stderr" 3>&- &
	RB_PID=$!
	IB_PID=$RB_PID
	end=$(( $(now_ms) + 90000 ))
	while (( $(now_ms) < end )); do
		port_open "$IB_PORT" && { [ -z "$IB_WSPORT" ] || port_open "$IB_WSPORT"; } && return 0
		alive "$RB_PID" || break
		sleep 0.1
	done
	tail -20 "$dir/stdout" "$dir/log/node.log" >&2 2>/dev/null
	rabbit_stop
	return 1
}

# listener_pid PORT: the process listening on 127.0.0.1:PORT (or any).
listener_pid() {
	ss -ltnpH "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1
}

# rabbit_stop: SIGTERM to the node (it stops cleanly), then the epmd it
# started on its private port; nothing is left running.
rabbit_stop() {
	local beam epmd
	[ -n "${RB_PID:-}" ] || return 0
	beam=$(cat "$RB_DIR/pid" 2>/dev/null)
	[ -n "$beam" ] || beam=$(listener_pid "$IB_PORT")
	[ -n "$beam" ] && ib_stop "$beam"
	ib_stop "$RB_PID"
	epmd=$(listener_pid "$RB_EPMD")
	[ -n "$epmd" ] && ib_stop "$epmd"
	RB_PID=
}

# ---------------------------------------------------------------- 3.1.1-only brokers

# scn_v311_only: without -V the fall back is silent (and -d says it);
# -V 5 and an option that needs MQTT 5 are errors that say why.
scn_v311_only() {
	local t
	t=$(topic v311)
	run --separate-stderr pub -q 1 -t "$t" -m hi -d
	[ "$status" -eq 0 ] || fail "mqpub exited $status: $stderr"
	[[ $stderr == *"does not support MQTT 5: using MQTT 3.1.1"* ]] || fail "stderr: $stderr"
	[[ $stderr == *"CONNECT v3.1.1"* ]] || fail "stderr: $stderr"
	run --separate-stderr pub -q 1 -t "$t" -m hi
	[ "$status" -eq 0 ] && [ -z "$stderr" ] || fail "exit $status, stderr: $stderr"
	run --separate-stderr pub -V 5 -q 1 -t "$t" -m hi --no-reconnect
	[ "$status" -ne 0 ] || fail "-V 5 was accepted"
	[[ $stderr == *"MQTT 5"* ]] || fail "stderr: $stderr"
	(( ${#stderr_lines[@]} == 1 )) || fail "stderr: $stderr"
	run --separate-stderr pub -x 60 -q 1 -t "$t" -m hi
	[ "$status" -eq 3 ] || fail "-x: exit $status: $stderr"
	[[ $stderr == *"does not support MQTT 5, which --session-expiry needs"* ]] || fail "stderr: $stderr"
	say "supports: $IB_KIND MQTT 5: no (3.1.1 after falling back)"
}

# scn_v5: the broker accepts the MQTT 5 CONNECT: no fall back.
scn_v5() {
	run --separate-stderr pub -q 1 -t "$(topic v5)" -m hi -d
	[ "$status" -eq 0 ] || fail "mqpub exited $status: $stderr"
	[[ $stderr == *"> CONNECT v5"* && $stderr == *"< CONNACK"* ]] || fail "stderr: $stderr"
	[[ $stderr != *"does not support MQTT 5"* ]] || fail "fell back: $stderr"
	[[ $stderr != *"CONNECT v3.1.1"* ]] || fail "fell back: $stderr"
	say "supports: $IB_KIND MQTT 5: yes"
}

# scn_qos2_granted QOS: what QoS 2 becomes: 2 (no warning) or 1 (one
# warning per run, nothing lost; --strict makes it an error).
scn_qos2_granted() {
	local t
	t=$(topic q2)
	seq -f 'q2 line %g' 200 > "$T/want"
	sub_start "$T/sub" -q 2 -t "$t" -C 200 -W 60
	run --separate-stderr pub -q 2 -t "$t" -l -W 60 < "$T/want"
	[ "$status" -eq 0 ] || fail "mqpub exited $status: $stderr"
	if [ "$1" = 1 ]; then
		[ "$stderr" = "mqpub: warning: the broker acknowledged QoS 2 as QoS 1: duplicates are possible" ] ||
			fail "stderr: $stderr"
		grep -q "granted QoS 1, not 2" "$T/sub.err" || fail "mqsub -d did not say the SUBACK granted QoS 1"
	else
		[ -z "$stderr" ] || fail "stderr: $stderr"
	fi
	sub_wait 60
	cmp "$T/want" "$T/sub"
	say "supports: $IB_KIND QoS 2: $([ "$1" = 2 ] && echo yes || echo "no (granted as QoS 1)")"
	if [ "$1" = 1 ]; then
		run --separate-stderr pub --strict -q 2 -t "$t" -m x --no-reconnect
		[ "$status" -eq 1 ] || fail "--strict: exit $status: $stderr"
	fi
}
