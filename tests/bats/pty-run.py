#!/usr/bin/env python3
"""pty-run.py MODE PASSWORD -- CMD...: run CMD on a fresh pseudo-terminal
(its controlling terminal, so /dev/tty is the pty) and drive its password
prompt.  Prints what the terminal showed on stdout; exits 0 when every check
held, else prints why on stderr and exits 1.  Every wait is bounded.

MODE answer: wait for the prompt, check echo is off, type PASSWORD, check
  echo is back on, type $PTY_AFTER (if set) then end of file, wait for CMD
  to exit; exit with its status.
MODE interrupt: wait for the prompt, check echo is off, send SIGINT; check
  CMD died of it and echo is back on.
MODE proc: like answer, then wait for 'CONNACK' (-d), check PASSWORD is in
  neither /proc/PID/cmdline nor /proc/PID/environ nor the terminal, SIGTERM.
"""
import os, select, signal, subprocess, sys, termios, time, fcntl

def fail(msg):
    sys.stderr.write("pty-run: " + msg + "\n")
    sys.exit(1)

def read_until(fd, want, seen, secs=10):
    end = time.monotonic() + secs
    while want not in seen:
        left = end - time.monotonic()
        if left <= 0:
            fail("no %r on the terminal within %ds; saw %r" % (want, secs, seen))
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                fail("terminal closed before %r; saw %r" % (want, seen))
            seen += data
    return seen

def echo_on(fd):
    return bool(termios.tcgetattr(fd)[3] & termios.ECHO)

def drain(fd, proc, seen, secs=20):
    end = time.monotonic() + secs
    while proc.poll() is None and time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                pass
    if proc.poll() is None:
        proc.kill()
        fail("command still running after %ds" % secs)
    return seen

def main():
    mode, pw, cmd = sys.argv[1], sys.argv[2].encode(), sys.argv[4:]
    master, slave = os.openpty()
    def child_setup():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave,
                            preexec_fn=child_setup, close_fds=True)
    os.close(slave)
    seen = read_until(master, b"password for", b"")
    if echo_on(master):
        fail("echo is on while prompting")
    if mode == "interrupt":
        proc.send_signal(signal.SIGINT)
        try:
            rc = proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            fail("SIGINT did not end the prompt")
        if rc != -signal.SIGINT:
            fail("expected death by SIGINT, got %r" % rc)
        if not echo_on(master):
            fail("echo still off after SIGINT")
        sys.stdout.write(seen.decode(errors="replace"))
        return 0
    os.write(master, pw + b"\n")
    if mode == "proc":
        seen = read_until(master, b"CONNACK", seen)
        for f in ("cmdline", "environ"):
            with open("/proc/%d/%s" % (proc.pid, f), "rb") as fh:
                if pw in fh.read():
                    fail("password in /proc/PID/" + f)
        proc.terminate()
    else:
        after = os.environ.get("PTY_AFTER")
        if after:
            os.write(master, after.encode() + b"\x04")
    seen = drain(master, proc, seen)
    if not echo_on(master):
        fail("echo still off after the prompt")
    if pw in seen:
        fail("password shown on the terminal: %r" % seen)
    sys.stdout.write(seen.decode(errors="replace"))
    return 0 if mode == "proc" else proc.returncode

sys.exit(main())
