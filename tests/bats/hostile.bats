#!/usr/bin/env bats
# The hostile broker (tests/hostile): ~2,000 scripted fault-injection cases
# against mqpub and mqsub, checking exit codes, the one stderr line and the
# exact bytes the client answers.  Runs the ASan+UBSan build when it is
# there (any sanitizer report fails a case), else the plain one.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

bats_require_minimum_version 1.5.0

REPO_ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
if [ -z "${PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi

@test "hostile broker: every case passes (sanitizer build if present)" {
	local bindir="$REPO_ROOT/build/bin"
	[ -x "$REPO_ROOT/build-san/bin/mqsub" ] && bindir="$REPO_ROOT/build-san/bin"
	bindir=${HOSTILE_BIN:-$bindir}
	[ -x "$bindir/mqpub" ] || fail "mqpub not built ($bindir)"
	run -0 timeout 600 "$PYTHON" "$REPO_ROOT/tests/hostile/run.py" "$bindir"
	assert_output --regexp '[0-9]+ passed, 0 failed$'
}

@test "hostile broker: a 256 MB remaining length keeps peak RSS under 16 MB" {
	local bindir=${HOSTILE_PLAIN_BIN:-$REPO_ROOT/build/bin}
	[ -x "$bindir/mqsub" ] || fail "plain build missing ($bindir)"
	run -0 timeout 120 "$PYTHON" "$REPO_ROOT/tests/hostile/run.py" "$bindir" -k huge
	assert_output --regexp '256 MB cases: peak RSS [0-9]+ KB max'
	refute_output --partial 'not checked'
}
