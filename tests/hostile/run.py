#!/usr/bin/env python3
"""run.py [BINDIR] - run every hostile-broker case against mqpub/mqsub.

  BINDIR        where mqpub and mqsub are (default build/bin; build-san/bin
                runs them under ASan+UBSan: any sanitizer report fails)
  -j N          cases at once (default: $HOSTILE_JOBS or 2 x CPUs; most of
                a case is waiting on loopback)
  -k REGEX      only cases whose name matches REGEX
  --list        print the case names and exit
  -v            print every case, not only failures

Each case: a scripted broker (broker.py) on 127.0.0.1 port 0, one client
run bounded by -W and a hard kill, then the checks of cases.py: exit code,
exactly one stderr line naming the problem (or none), the exact bytes the
client sent after the case's packet, stdout, no reconnect, and for the
256 MB cases peak RSS (ru_maxrss of the child; skipped under ASan, whose
shadow memory makes it meaningless).  Prints a summary; exits 1 on any
failure.
"""
import argparse
import collections
import concurrent.futures
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import broker  # noqa: E402
import cases as C  # noqa: E402

SANITIZER = re.compile(r"runtime error|AddressSanitizer|LeakSanitizer|"
                       r"UndefinedBehaviorSanitizer|SUMMARY: ")


def is_asan(path):
    try:
        with open(path, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


TIME = "/usr/bin/time"


def spawn(argv, env, limit, rss=False, stdin=None):
    """Run argv; returns (exit code or None if killed, stdout, stderr,
    peak RSS in KB or 0).  The RSS comes from GNU time, not from wait4():
    a child forked from this Python process inherits its high-water mark
    across exec."""
    rss_file = None
    if rss and os.access(TIME, os.X_OK):
        fd, rss_file = tempfile.mkstemp(prefix="hostile-rss.")
        os.close(fd)
        argv = [TIME, "-f", "%M", "-o", rss_file] + argv
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                         start_new_session=True)
    if stdin is not None:
        try:
            p.stdin.write(stdin)
            p.stdin.close()
        except OSError:
            pass
    bufs = {}

    def reader(name, f):
        bufs[name] = f.read()
        f.close()
    ts = [threading.Thread(target=reader, args=("out", p.stdout)),
          threading.Thread(target=reader, args=("err", p.stderr))]
    for t in ts:
        t.start()
    deadline = time.monotonic() + limit
    code, rss, killed = None, 0, False
    while True:
        pid, status = os.waitpid(p.pid, os.WNOHANG)
        if pid:
            code = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() > deadline and not killed:
            killed = True
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.005)
    p.returncode = code          # reaped here, not by Popen
    for t in ts:
        t.join(5)
    if rss_file:
        try:
            with open(rss_file) as f:
                lines = f.read().split()
            rss = int(lines[-1]) if lines else 0
        except (OSError, ValueError):
            rss = 0
        os.unlink(rss_file)
    return (None if killed else code), bufs.get("out", b""), bufs.get("err", b""), rss


def check_after(case, after):
    """None when the client's bytes after the case's packet are right."""
    if case.after is None:
        return None
    frames, rest = broker.split_packets(after)
    shown = " ".join(broker.describe(f) for f in frames) + (
        " +partial[%s]" % rest.hex() if rest else "")
    if rest:
        return "client sent a partial packet: %s" % shown
    if case.after == C.CLOSED:
        if not frames:
            return None
        f = frames[0]
        if len(frames) == 1 and f[0] == 0xE0:
            if case.v == C.V311 and f == b"\xe0\x00":
                return None
            if case.v == C.V5 and len(f) >= 3 and f[2] >= 0x80:
                return None
        return "after the bad packet the client sent %s (want: close, or a DISCONNECT with an error reason)" % shown
    want = case.after
    if len(frames) != len(want) or any(f not in w for f, w in zip(frames, want)):
        return "client sent %s; want %s" % (
            shown or "nothing",
            " ".join("|".join(sorted(x.hex() for x in w)) for w in want) or "nothing")
    return None


def run_case(case, bindir, env, check_rss):
    b = broker.Broker(case.script, hold=case.hold, ws=case.ws).start()
    argv = case.argv(bindir, b.port)
    t0 = time.monotonic()
    # -c keeps session state under $XDG_STATE_HOME: one empty place per
    # case, so cases neither share nor leave state behind.
    with tempfile.TemporaryDirectory(prefix="hostile-state.") as state:
        code, out, err, rss = spawn(argv, dict(env, XDG_STATE_HOME=state), case.wait + 4,
                                    rss=bool(case.rss_kb and check_rss), stdin=case.stdin)
    dt = time.monotonic() - t0
    b.stop()
    problems = []
    errs = err.decode("utf-8", "replace")
    # "reconnected to HOST:PORT" follows the one notice of a reconnect
    # case: a notice of its own, not a second problem
    errs = re.sub(r"(?m)^mq(pub|sub): reconnected to [^\n]*\n", "", errs)
    if SANITIZER.search(errs):
        problems.append("sanitizer report")
    if code is None:
        problems.append("hang: killed after %ds" % (case.wait + 4))
    else:
        want = case.exit if isinstance(case.exit, set) else {case.exit}
        if code not in want:
            problems.append("exit %d, want %s" % (code, "/".join(map(str, sorted(want)))))
    if case.err is None:
        if err:
            problems.append("stderr not empty")
    else:
        lines = errs.split("\n")
        if not errs.endswith("\n") or len(lines) != case.lines + 1:
            problems.append("stderr is %d lines, want exactly %d" % (
                errs.count("\n") + (not errs.endswith("\n") and bool(errs)), case.lines))
        elif not all(re.search(case.err, x, re.I) for x in lines[:-1]):
            problems.append("stderr does not name the problem (want /%s/)" % case.err)
    if b.error:
        problems.append("script: " + b.error)
    if b.reconnects and not case.reconnect_ok:
        problems.append("client reconnected %d time(s)" % b.reconnects)
    a = check_after(case, b.after)
    if a and not b.error:
        problems.append(a)
    if case.out is not None and out != case.out:
        problems.append("stdout %r, want %r" % (out[:80], case.out[:80]))
    if case.rss_kb and check_rss and rss > case.rss_kb:
        problems.append("peak RSS %d KB, want <= %d KB" % (rss, case.rss_kb))
    return {"case": case, "argv": argv, "code": code, "err": errs, "out": out,
            "problems": problems, "time": dt, "rss": rss, "logs": b.logs}


def report(r, verbose):
    c = r["case"]
    mark = "FAIL" if r["problems"] else "ok"
    print("%-4s %s (%.2fs, exit %s)" % (mark, c.name, r["time"], r["code"]))
    if r["problems"] or verbose > 1:
        for p in r["problems"]:
            print("     - %s" % p)
        print("     $ %s" % " ".join(r["argv"]))
        for i, log in enumerate(r["logs"]):
            frames, rest = broker.split_packets(log)
            print("     client sent (conn %d): %s%s" % (
                i + 1, " ".join(broker.describe(f) for f in frames)[:600],
                " +partial[%s]" % rest.hex()[:80] if rest else ""))
        if r["err"]:
            for line in r["err"].rstrip("\n").split("\n")[:12]:
                print("     stderr: %s" % line[:300])


def main():
    ap = argparse.ArgumentParser(description="hostile-broker cases for mqpub/mqsub")
    ap.add_argument("bindir", nargs="?", default="build/bin")
    ap.add_argument("-j", type=int, default=int(os.environ.get("HOSTILE_JOBS", 0)) or
                    2 * (os.cpu_count() or 2))
    ap.add_argument("-k", dest="pattern", default=None)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("-v", action="count", default=0)
    a = ap.parse_args()

    cs = C.all_cases()
    if a.pattern:
        cs = [c for c in cs if re.search(a.pattern, c.name)]
    if a.list:
        for c in cs:
            print(c.name)
        return 0
    bindir = os.path.abspath(a.bindir)
    for tool in ("mqpub", "mqsub"):
        if not os.access(os.path.join(bindir, tool), os.X_OK):
            sys.stderr.write("run.py: %s/%s not built\n" % (bindir, tool))
            return 2
    asan = is_asan(os.path.join(bindir, "mqsub"))
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=1:" + env.get("ASAN_OPTIONS", "")
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:" + env.get("UBSAN_OPTIONS", "")
    # Slow, timed cases first so the pool stays busy at the end.
    cs.sort(key=lambda c: -c.wait if c.exit != 0 and "silent" in c.name or "huge" in c.name else 0)
    t0 = time.monotonic()
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.j)) as ex:
        futs = [ex.submit(run_case, c, bindir, env, not asan) for c in cs]
        for f in concurrent.futures.as_completed(futs):
            r = f.result()
            results.append(r)
            if r["problems"] or a.v:
                report(r, a.v + (1 if r["problems"] else 0))
    failed = [r for r in results if r["problems"]]
    by_family = collections.Counter()
    for r in failed:
        by_family[r["case"].name.split("-")[2]] += 1
    huge = [r for r in results if r["case"].rss_kb]
    print()
    print("hostile broker: %d cases (%d v3.1.1, %d v5; %d mqpub, %d mqsub) against %s%s in %.1fs" % (
        len(results), sum(r["case"].v == C.V311 for r in results),
        sum(r["case"].v == C.V5 for r in results),
        sum(r["case"].tool == "pub" for r in results),
        sum(r["case"].tool == "sub" for r in results),
        bindir, " (ASan+UBSan)" if asan else "", time.monotonic() - t0))
    if huge:
        print("256 MB cases: peak RSS %d KB max%s" % (
            max(r["rss"] for r in huge), " (not checked under ASan)" if asan else ""))
    if failed:
        print("failures by family: %s" % ", ".join("%s %d" % kv for kv in by_family.most_common()))
    print("%d passed, %d failed" % (len(results) - len(failed), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
