#!/usr/bin/env bats
#
# One source of truth for options: what --help lists must be documented in
# the man page, offered by the bash, zsh and fish completions and shown in
# README.md; and nothing may be documented or completed that --help does
# not list.  Also: the man pages are clean under mandoc -Tlint, the exit
# status table 0-7 is in both pages and in README.md, and --version prints
# "mqpub 0.1.0"-style output; the completions parse and TLS has its own
# section in both man pages and README.md.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

bats_require_minimum_version 1.5.0

setup() {
	ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
}

# Skip unless build/bin/TOOL exists.
need_bin() {
	[ -x "$ROOT/build/bin/$1" ] ||
		skip "build/bin/$1 is not built: run make first"
}

# help_text TOOL: the --help output (stdout only).
help_text() {
	"$ROOT/build/bin/$1" --help 2>/dev/null
}

# Every long option named in the text on stdin, one a line, sorted.
long_opts() {
	grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# Every short option that starts a line of --help ("  -t, --topic ..."),
# one letter a line.
short_opts() {
	sed -nE 's/^[[:space:]]*-([A-Za-z0-9])([,[:space:]].*|$)/\1/p' | sort -u
}

# man_text TOOL: the man page as plain text.  Rendered by mandoc when it is
# there; otherwise the source roughly laid out as mandoc would: section
# names at the left, list items indented, "Fl -name" spelt "--name",
# ".Op" in brackets.
man_text() {
	if command -v mandoc >/dev/null 2>&1; then
		mandoc -Tascii "$ROOT/man/$1.1" | sed 's/.\x08//g'
	else
		sed -E -e 's/Fl -/--/g' -e 's/Fl /-/g' -e 's/^\.Sh //' \
		    -e 's/^\.It /     /' -e 's/^\.Op (.*)$/ [\1]/' \
		    -e 's/^\.Brq (.*)$/ {\1}/' -e 's/^\.-/-/' "$ROOT/man/$1.1"
	fi
}

# has_word FILE WORD: WORD occurs in FILE, not as part of a longer option.
has_word() {
	grep -qE -- "(^|[^A-Za-z0-9-])$2([^A-Za-z0-9-]|\$)" "$1"
}

# Write the text of every place options must appear to $BATS_TEST_TMPDIR.
collect() {
	local tool=$1
	help_text "$tool" >"$BATS_TEST_TMPDIR/help"
	man_text "$tool" >"$BATS_TEST_TMPDIR/man"
	long_opts <"$BATS_TEST_TMPDIR/help" >"$BATS_TEST_TMPDIR/help.long"
	short_opts <"$BATS_TEST_TMPDIR/help" >"$BATS_TEST_TMPDIR/help.short"
	# Guard against an extraction that silently finds nothing.
	[ "$(wc -l <"$BATS_TEST_TMPDIR/help.long")" -ge 10 ] ||
		fail "$tool --help lists fewer than 10 long options:
$(cat "$BATS_TEST_TMPDIR/help")"
}

# forward TOOL LABEL FILE: every long option of --help occurs in FILE.
forward() {
	local tool=$1 label=$2 file=$3 opt missing=
	while read -r opt; do
		has_word "$file" "$opt" || missing="$missing $opt"
	done <"$BATS_TEST_TMPDIR/help.long"
	[ -z "$missing" ] ||
		fail "$tool: in --help but not in $label:$missing"
}

# forward_fish TOOL: every long option of --help has "-l name" in the fish
# completion.
forward_fish() {
	local tool=$1 opt missing=
	local file="$ROOT/completions/$tool.fish"
	while read -r opt; do
		grep -qE -- "-l ${opt#--}([^A-Za-z0-9-]|\$)" "$file" ||
			missing="$missing $opt"
	done <"$BATS_TEST_TMPDIR/help.long"
	[ -z "$missing" ] ||
		fail "$tool: in --help but not in completions/$tool.fish:$missing"
}

# reverse TOOL LABEL LIST: every long option in LIST (a file, one a line)
# is in --help.
reverse() {
	local tool=$1 label=$2 list=$3 opt extra=
	while read -r opt; do
		grep -qxF -- "$opt" "$BATS_TEST_TMPDIR/help.long" ||
			extra="$extra $opt"
	done <"$list"
	[ -z "$extra" ] ||
		fail "$tool: in $label but not in --help:$extra"
}

check_help_forward() {
	local tool=$1
	need_bin "$tool"
	collect "$tool"
	forward "$tool" "man/$tool.1" "$BATS_TEST_TMPDIR/man"
	forward "$tool" "completions/$tool.bash" "$ROOT/completions/$tool.bash"
	forward "$tool" "completions/_$tool" "$ROOT/completions/_$tool"
	forward_fish "$tool"
	forward "$tool" "README.md" "$ROOT/README.md"
}

check_reverse() {
	local tool=$1 f
	need_bin "$tool"
	collect "$tool"
	long_opts <"$BATS_TEST_TMPDIR/man" >"$BATS_TEST_TMPDIR/list"
	reverse "$tool" "man/$tool.1" "$BATS_TEST_TMPDIR/list"
	for f in "$tool.bash" "_$tool"; do
		long_opts <"$ROOT/completions/$f" >"$BATS_TEST_TMPDIR/list"
		reverse "$tool" "completions/$f" "$BATS_TEST_TMPDIR/list"
	done
	sed -nE 's/.*[[:space:]]-l ([a-z][a-z0-9-]*).*/--\1/p' \
	    "$ROOT/completions/$tool.fish" | sort -u >"$BATS_TEST_TMPDIR/list"
	reverse "$tool" "completions/$tool.fish" "$BATS_TEST_TMPDIR/list"
}

check_short() {
	local tool=$1 c missing=
	need_bin "$tool"
	collect "$tool"
	[ -s "$BATS_TEST_TMPDIR/help.short" ] ||
		fail "$tool --help lists no short options"
	while read -r c; do
		# the option list of the man page: "     -t topic, --topic topic"
		grep -qE -- "^[[:space:]]+-$c([ ,]|\$)" "$BATS_TEST_TMPDIR/man" ||
			missing="$missing man:-$c"
		has_word "$ROOT/completions/$tool.bash" "-$c" ||
			missing="$missing bash:-$c"
		has_word "$ROOT/completions/_$tool" "-$c" ||
			missing="$missing zsh:-$c"
		grep -qE -- "-s $c([^A-Za-z0-9]|\$)" "$ROOT/completions/$tool.fish" ||
			missing="$missing fish:-$c"
	done <"$BATS_TEST_TMPDIR/help.short"
	[ -z "$missing" ] ||
		fail "$tool: short options of --help missing in:$missing"
	# and the fish completion offers no short option that does not exist
	local extra=
	for c in $(sed -nE 's/.*[[:space:]]-s ([A-Za-z0-9]).*/\1/p' \
	    "$ROOT/completions/$tool.fish"); do
		grep -qxF -- "$c" "$BATS_TEST_TMPDIR/help.short" ||
			extra="$extra -$c"
	done
	[ -z "$extra" ] ||
		fail "$tool: in completions/$tool.fish but not in --help:$extra"
}

# The SYNOPSIS names every option of --help, by its short form where it
# has one ("[-cdr]" counts), by its long form otherwise.
check_synopsis() {
	local tool=$1 line c long missing=
	need_bin "$tool"
	collect "$tool"
	sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' "$BATS_TEST_TMPDIR/man" \
	    >"$BATS_TEST_TMPDIR/synopsis"
	while read -r long; do
		line=$(grep -E -- "^[[:space:]]*-[A-Za-z0-9],[[:space:]]+$long([^a-z0-9-]|\$)" \
		    "$BATS_TEST_TMPDIR/help" | head -n 1)
		if [ -n "$line" ]; then
			c=$(printf '%s\n' "$line" | sed -nE 's/^[[:space:]]*-([A-Za-z0-9]),.*/\1/p')
			grep -qE -- "(^|[[{ ])-[A-Za-z0-9]*$c[A-Za-z0-9]*([]} ]|\$)" \
			    "$BATS_TEST_TMPDIR/synopsis" || missing="$missing -$c"
		else
			has_word "$BATS_TEST_TMPDIR/synopsis" "$long" ||
				missing="$missing $long"
		fi
	done <"$BATS_TEST_TMPDIR/help.long"
	[ -z "$missing" ] ||
		fail "$tool: in --help but not in the man page SYNOPSIS:$missing"
}

# ---------------------------------------------------------------------

@test "mqpub --help exits 0 and writes usage to stdout" {
	need_bin mqpub
	run --separate-stderr "$ROOT/build/bin/mqpub" --help
	assert_success
	assert_output --partial -- '--topic'
}

@test "mqsub --help exits 0 and writes usage to stdout" {
	need_bin mqsub
	run --separate-stderr "$ROOT/build/bin/mqsub" --help
	assert_success
	assert_output --partial -- '--topic'
}

@test "mqpub: every long option of --help is in the man page, completions and README" {
	check_help_forward mqpub
}

@test "mqsub: every long option of --help is in the man page, completions and README" {
	check_help_forward mqsub
}

@test "mqpub: nothing in the man page or completions that --help does not list" {
	check_reverse mqpub
}

@test "mqsub: nothing in the man page or completions that --help does not list" {
	check_reverse mqsub
}

@test "mqpub: every short option of --help is in the man page and completions" {
	check_short mqpub
}

@test "mqsub: every short option of --help is in the man page and completions" {
	check_short mqsub
}

@test "mqpub: the man page SYNOPSIS names every option of --help" {
	check_synopsis mqpub
}

@test "mqsub: the man page SYNOPSIS names every option of --help" {
	check_synopsis mqsub
}

@test "man pages are clean under mandoc -Tlint -W warning" {
	command -v mandoc >/dev/null 2>&1 ||
		skip "mandoc is not installed (apt-get install mandoc)"
	run mandoc -Tlint -W warning "$ROOT/man/mqpub.1" "$ROOT/man/mqsub.1"
	assert_success
	assert_output ''
}

@test "messages quoted in the man pages render word for word (no word read as an mdoc macro)" {
	command -v mandoc >/dev/null 2>&1 ||
		skip "mandoc is not installed (apt-get install mandoc)"
	local tool quote rendered missing=
	for tool in mqpub mqsub; do
		rendered=$(mandoc -Tutf8 "$ROOT/man/$tool.1" | col -b | tr -s ' \t\n' '   ')
		# each .Dq that quotes a message of a tool, as written in the source
		while IFS= read -r quote; do
			quote=$(sed -e 's/\\&//g' -e 's/\\e/\\/g' -e 's/ *$//' <<<"$quote")
			[[ $rendered == *"$quote"* ]] || missing+=$'\n'"  $tool.1: $quote"
		done < <(sed -n -E 's/^\.Dq (mq(pub|sub): .*[^ .,;])( [.,;:)])*$/\1/p' "$ROOT/man/$tool.1")
	done
	[ -z "$missing" ] || fail "quoted messages that do not render as written:$missing"
}

@test "EXIT STATUS 0-7 is in both man pages, identical, and in README.md" {
	local tool code
	for tool in mqpub mqsub; do
		man_text "$tool" |
		    sed -n '/^EXIT STATUS/,/^EXAMPLES/p' >"$BATS_TEST_TMPDIR/$tool.exit"
		for code in 0 1 2 3 4 5 6 7; do
			grep -qE "^[[:space:]]+$code([[:space:]]|\$)" \
			    "$BATS_TEST_TMPDIR/$tool.exit" ||
				fail "man/$tool.1: exit status $code is not in EXIT STATUS"
		done
	done
	run diff "$BATS_TEST_TMPDIR/mqpub.exit" "$BATS_TEST_TMPDIR/mqsub.exit"
	assert_success
	for code in 0 1 2 3 4 5 6 7; do
		grep -qE "^\|[[:space:]]*\`?$code\`?[[:space:]]*\|" "$ROOT/README.md" ||
			fail "README.md: exit status $code is not in the exit status table"
	done
}

@test "--version prints the tool name and the version of the Makefile" {
	local tool ver
	ver=$(sed -nE 's/^VERSION[[:space:]]*:?=[[:space:]]*([0-9][^[:space:]]*).*/\1/p' \
	    "$ROOT/Makefile" | head -n 1)
	for tool in mqpub mqsub; do
		need_bin "$tool"
		run --separate-stderr "$ROOT/build/bin/$tool" --version
		assert_success
		assert_line --index 0 --regexp "^$tool [0-9]+\.[0-9]+\.[0-9]+\$"
		if [ -n "$ver" ]; then
			assert_line --index 0 "$tool $ver"
		fi
		# what a bug report needs, one per line
		assert_line --regexp '^MQTT: 3\.1\.1, 5\.0'
		assert_line --regexp '^TLS: mbed TLS [0-9]+\.[0-9]+\.[0-9]+, linked statically; TLS 1\.2'
		assert_line --regexp '^Transports: tcp, tls, unix, ws, wss, socks5, socks5h, http-connect$'
		assert_line --regexp '^Features: '
	done
}

@test "completions parse: bash -n, zsh -n, fish -n" {
	local tool
	for tool in mqpub mqsub; do
		run bash -n "$ROOT/completions/$tool.bash"
		assert_success
		if command -v zsh >/dev/null 2>&1; then
			run zsh -n "$ROOT/completions/_$tool"
			assert_success
		fi
		if command -v fish >/dev/null 2>&1; then
			run fish -n "$ROOT/completions/$tool.fish"
			assert_success
		fi
	done
}

@test "TLS is documented: a TLS section in both man pages and in README.md" {
	local tool
	for tool in mqpub mqsub; do
		man_text "$tool" | grep -qE '^TLS$' ||
			fail "man/$tool.1 has no TLS section"
	done
	grep -qE '^#+ TLS$' "$ROOT/README.md" ||
		fail "README.md has no TLS section"
}

# complete TOOL WITH_BASH_COMPLETION WORD...: run the bash completion
# function on the command line WORD... (the last word is the one being
# completed), with or without the bash-completion package loaded; print
# the candidates, one per line.
complete_line() {
	local tool=$1 with=$2
	shift 2
	bash -c '
		tool=$1 with=$2 root=$3; shift 3
		if [ "$with" = yes ]; then
			. /usr/share/bash-completion/bash_completion
		fi
		. "$root/completions/$tool.bash"
		COMP_WORDS=("$tool" "$@")
		COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
		# the line as typed: no spaces around the "=" bash split off
		COMP_LINE=$tool prev=
		for w in "$@"; do
			if [ "$w" = = ] || [ "$prev" = = ]; then
				COMP_LINE+=$w
			else
				COMP_LINE+=" $w"
			fi
			prev=$w
		done
		COMP_POINT=${#COMP_LINE}
		"_$tool"
		printf "%s\n" "${COMPREPLY[@]}"
	' _ "$tool" "$with" "$ROOT" "$@"
}

@test "bash completion: values after a space and after '=', -V spellings, files, with and without bash-completion" {
	[ -f /usr/share/bash-completion/bash_completion ] ||
		skip "bash-completion is not installed (apt-get install bash-completion)"
	local with tool
	mkdir -p "$BATS_TEST_TMPDIR/d/sub"
	: > "$BATS_TEST_TMPDIR/d/file.pem"
	for with in yes no; do
		for tool in mqpub mqsub; do
			run complete_line "$tool" "$with" -q ''
			assert_output $'0\n1\n2'
			# bash splits "--qos=" into "--qos" "=", "--qos=1" into "--qos" "=" "1"
			run complete_line "$tool" "$with" --qos =
			assert_output $'0\n1\n2'
			run complete_line "$tool" "$with" --qos = 1
			assert_output '1'
			run complete_line "$tool" "$with" -V ''
			assert_output $'5\n311\nmqttv5\nmqttv311'
			run complete_line "$tool" "$with" --protocol-version = mqttv
			assert_output $'mqttv5\nmqttv311'
			run complete_line "$tool" "$with" --will-payload-format = u
			assert_output 'utf8'
			run complete_line "$tool" "$with" --cafile "$BATS_TEST_TMPDIR/d/f"
			assert_output "$BATS_TEST_TMPDIR/d/file.pem"
			run complete_line "$tool" "$with" --state-dir "$BATS_TEST_TMPDIR/d/s"
			assert_output "$BATS_TEST_TMPDIR/d/sub"
			run complete_line "$tool" "$with" --proxy-from
			assert_output '--proxy-from-env'
		done
	done
}

@test "zsh completion: -i and -I exclude each other; fish: the same helpers in both files" {
	local tool
	for tool in mqpub mqsub; do
		grep -qF "'(-i --id -I --id-prefix)'{-i,--id}" "$ROOT/completions/_$tool" || fail "_$tool: -i does not exclude -I"
		grep -qF "'(-i --id -I --id-prefix)'{-I,--id-prefix}" "$ROOT/completions/_$tool" || fail "_$tool: -I does not exclude -i"
	done
	# every directory argument uses the same fish helper, never a bare -a
	run grep -hE -- "__fish_complete_directories" "$ROOT/completions/mqpub.fish" "$ROOT/completions/mqsub.fish"
	[ -z "$(grep -vF "'(__fish_complete_directories (commandline -ct))'" <<<"$output")" ] ||
		fail "fish directory completions differ: $output"
	# the options both tools share are completed alike
	diff <(grep -vE -- "-c mqpub -(s [tmfslnr] |l (topic|message|file|stdin|null|retain|spool|flush|topic-|skip-bad|repeat|rate|user-property|content-type|response-topic|correlation-data|message-expiry|payload-format|progress|no-progress|json|replay|speed|request |responses))" "$ROOT/completions/mqpub.fish" | sed -e 's/mqpub/TOOL/g' -e 's/ -d .*//' | grep '^complete' | sort) \
	     <(grep -vE -- "-c mqsub -(s [tTvNCREF0Uj] |l (exec|on-fail|reply|topic|filter-out|verbose|no-newline|count|no-retained|retained-only|exit-after-sub|format|json|hex|base64|pretty|color|no-local|retain-as-published|retain-handling|sub-id|unsubscribe|remove-retained))" "$ROOT/completions/mqsub.fish" | sed -e 's/mqsub/TOOL/g' -e 's/ -d .*//' | grep '^complete' | sort) ||
		fail "mqpub.fish and mqsub.fish differ on the options they share"
}

# The keys the config file parser accepts (config_keys[] in src/cli/config.c).
config_keys() {
	sed -n '/^const char \*const config_keys\[\]/,/NULL/p' "$ROOT/src/cli/config.c" |
		grep -oE '"[a-z][a-z0-9-]*"' | tr -d '"' | sort -u
}

@test "every config file key is a long option of both tools and is in FILES of both man pages" {
	local tool key missing= n
	n=$(config_keys | wc -l)
	[ "$n" -ge 20 ] || fail "found only $n config keys in src/cli/config.c"
	for tool in mqpub mqsub; do
		need_bin "$tool"
		collect "$tool"
		man_text "$tool" | sed -n '/^FILES/,/^EXIT STATUS/p' >"$BATS_TEST_TMPDIR/files"
		grep -q 'profile' "$BATS_TEST_TMPDIR/files" || fail "$tool: no FILES section"
		while read -r key; do
			grep -qxF -- "--$key" "$BATS_TEST_TMPDIR/help.long" ||
				missing="$missing $tool:--help:$key"
			has_word "$BATS_TEST_TMPDIR/files" "$key" ||
				missing="$missing $tool:FILES:$key"
		done < <(config_keys)
	done
	[ -z "$missing" ] || fail "config keys not documented:$missing"
}

@test "the man pages' example config file is accepted by the parser" {
	local tool
	for tool in mqpub mqsub; do
		need_bin "$tool"
		man_text "$tool" | sed -n '/^FILES/,/^EXIT STATUS/p' |
			sed -n '/^ *# every run/,/password-command/p' | sed 's/^ *//' >"$BATS_TEST_TMPDIR/config"
		grep -q '^\[profile production\]' "$BATS_TEST_TMPDIR/config" || fail "$tool: example not found"
		chmod 600 "$BATS_TEST_TMPDIR/config"
		run --separate-stderr "$ROOT/build/bin/$tool" --config "$BATS_TEST_TMPDIR/config" --list-profiles
		assert_success
		assert_output "home
staging
production"
	done
}
