#!/usr/bin/env python3
"""broker.py - a scripted, hostile MQTT broker (python3 stdlib only).

After curl's MQTT test server: it plays one case's script against one
client, answers with the case's bytes (valid or not), and records the exact
bytes the client sent, packet by packet.

A script is a list of connections; each connection is a list of steps:

  ("recv", TYPE)   read one packet from the client; it must be of TYPE
                   (1 = CONNECT, 3 = PUBLISH, 8 = SUBSCRIBE, ...).  The
                   packet is remembered in ctx (ctx["pid"] = its packet id)
  ("recv", 1, LEVEL)  a CONNECT at that protocol level (4 = 3.1.1, 5)
  ("send", DATA)   write DATA (bytes, or a function ctx -> bytes)
  ("close",)       close the connection now; the next one is accepted
  ("sleep", SECS)  pause
  ("quiet", SECS)  the client must send nothing for SECS (flow control)

After the last step of the last connection the broker keeps reading until
the client closes (or `hold` seconds pass).  Everything the client sent
after the last "send" of the last connection is "after": what the case
checks byte for byte.  Any connection beyond the script is accepted, counted as a
reconnect, and closed.

Used two ways: imported by run.py (one Broker per case, in a thread), or
standalone for debugging one case by hand:

  tests/hostile/broker.py CASE-NAME     # prints the port, serves the case,
                                        # then prints what the client sent
"""
import socket
import sys
import threading
import time

NAMES = {1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC",
         6: "PUBREL", 7: "PUBCOMP", 8: "SUBSCRIBE", 9: "SUBACK",
         10: "UNSUBSCRIBE", 11: "UNSUBACK", 12: "PINGREQ", 13: "PINGRESP",
         14: "DISCONNECT", 15: "AUTH"}


class Eof(Exception):
    pass


def split_packets(data):
    """Split bytes into whole frames: (frames, partial tail)."""
    frames, i = [], 0
    while i < len(data):
        j, mul, n = i + 1, 1, 0
        while True:
            if j >= len(data) or j - i > 4:
                return frames, data[i:]
            b = data[j]
            n += (b & 0x7F) * mul
            mul *= 128
            j += 1
            if not b & 0x80:
                break
        if j + n > len(data):
            return frames, data[i:]
        frames.append(data[i:j + n])
        i = j + n
    return frames, b""


def frame_body(frame):
    """(type, flags, body) of one whole frame."""
    j = 1
    while frame[j] & 0x80:
        j += 1
    return frame[0] >> 4, frame[0] & 0x0F, frame[j + 1:]


def packet_id(frame):
    t, flags, body = frame_body(frame)
    if t == 3:
        if (flags >> 1) & 3 == 0 or len(body) < 2:
            return None
        tl = (body[0] << 8) | body[1]
        return int.from_bytes(body[2 + tl:4 + tl], "big") or None
    if t in (4, 5, 6, 7, 8, 9, 10, 11) and len(body) >= 2:
        return (body[0] << 8) | body[1]
    return None


def describe(frame):
    t = frame[0] >> 4
    return "%s[%s]" % (NAMES.get(t, "TYPE%d" % t), frame.hex())


class Conn:
    """One accepted connection with a receive buffer and a full log."""

    def __init__(self, sock, deadline):
        self.sock = sock
        self.buf = b""
        self.log = b""          # every byte the client sent
        self.deadline = deadline

    def _fill(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("broker: client too slow")
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("broker: client too slow")
        except OSError:
            chunk = b""
        if not chunk:
            raise Eof()
        self.buf += chunk
        self.log += chunk

    def read_packet(self):
        while True:
            frames, _ = split_packets(self.buf)
            if frames:
                f = frames[0]
                self.buf = self.buf[len(f):]
                return f
            self._fill()

    def quiet(self, secs):
        """True if the client sent anything within secs."""
        self.sock.settimeout(secs)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return False
        except OSError:
            chunk = b""
        self.buf += chunk
        self.log += chunk
        return bool(chunk)

    def drain(self):
        """Read until EOF or the deadline; return the bytes read."""
        out = self.buf
        self.buf = b""
        while True:
            try:
                self._fill()
            except (Eof, TimeoutError):
                break
            out += self.buf
            self.buf = b""
        return out

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            pass        # the client may already have gone: not our verdict

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Broker:
    """Serve one case's script on 127.0.0.1, port 0, in a thread."""

    def __init__(self, script, hold=10.0):
        self.script = script
        self.hold = hold
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(8)
        self.port = self.lsock.getsockname()[1]
        self.ctx = {}
        self.error = None        # the client did not follow the script
        self.after = b""         # bytes after the last "send"
        self.logs = []           # every byte per connection
        self.reconnects = 0
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        """The client has exited: stop accepting, wait for the thread."""
        self.stopping = True
        try:
            self.lsock.shutdown(socket.SHUT_RDWR)   # wakes a blocked accept()
        except OSError:
            pass
        self.thread.join(5)
        self.lsock.close()

    def _accept(self, deadline):
        while not self.stopping:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                self.lsock.settimeout(min(left, 0.5))
                s, _ = self.lsock.accept()
                return s
            except socket.timeout:
                continue
            except OSError:
                return None
        return None

    def _run(self):
        end = time.monotonic() + self.hold
        try:
            self._serve(end)
        except Exception as e:   # record, never crash the runner
            if self.error is None:
                self.error = "broker: %r" % (e,)
        # Anything else is a reconnect.
        while not self.stopping:
            s = self._accept(time.monotonic() + 0.2)
            if s is not None:
                self.reconnects += 1
                s.close()

    def _serve(self, end):
        conns = len(self.script)
        for ci, steps in enumerate(self.script):
            s = self._accept(end)
            if s is None:
                self.error = self.error or "client never connected (connection %d)" % (ci + 1)
                return
            c = Conn(s, end)
            last = ci == conns - 1
            cut = 0             # log offset after the last "send"
            closed = False
            try:
                for st in steps:
                    op = st[0]
                    if op == "recv":
                        f = c.read_packet()
                        t = f[0] >> 4
                        if t != st[1]:
                            self.error = "expected %s from client, got %s" % (
                                NAMES.get(st[1]), describe(f))
                            break
                        level = frame_body(f)[2][6] if t == 1 and len(st) > 2 else None
                        if level is not None and level != st[2]:
                            self.error = "expected a CONNECT at protocol level %d, got %d" % (
                                st[2], level)
                            break
                        self.ctx[NAMES[t]] = f
                        pid = packet_id(f)
                        if pid is not None:
                            self.ctx["pid"] = pid
                            self.ctx["pid_" + NAMES[t]] = pid
                    elif op == "send":
                        data = st[1](self.ctx) if callable(st[1]) else st[1]
                        c.send(data)
                        cut = len(c.log) - len(c.buf)
                    elif op == "close":
                        closed = True
                        break
                    elif op == "sleep":
                        time.sleep(st[1])
                    elif op == "quiet":
                        if c.buf or c.quiet(st[1]):
                            self.error = "client sent %s while it had to wait" % (
                                " ".join(describe(f) for f in split_packets(c.buf)[0]) or c.buf.hex())
                            break
                if (last or self.error) and not closed:
                    c.drain()
                if last or self.error:
                    self.after = c.log[cut:]
            except Eof:
                if last:
                    self.after = c.log[cut:]
                frames = split_packets(c.log)[0]
                self.error = self.error or (
                    "client closed connection %d before the script ended (sent: %s)" % (
                        ci + 1, " ".join(describe(f) for f in frames) or "nothing"))
            finally:
                self.logs.append(c.log)
                c.close()
            if self.error:
                return


def main():
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    import cases
    want = sys.argv[1] if len(sys.argv) > 1 else None
    found = [k for k in cases.all_cases() if k.name == want]
    if not found:
        sys.stderr.write("usage: broker.py CASE-NAME  (see run.py --list)\n")
        return 2
    case = found[0]
    b = Broker(case.script, hold=case.hold)
    print(b.port, flush=True)
    sys.stderr.write("client: %s\n" % " ".join(case.argv("BIN", b.port)))
    b.start()
    b.thread.join(case.hold + 1)
    b.stop()
    for i, log in enumerate(b.logs):
        frames, rest = split_packets(log)
        print("connection %d: %s%s" % (i + 1, " ".join(describe(f) for f in frames),
                                      " +partial[%s]" % rest.hex() if rest else ""))
    print("after:", " ".join(describe(f) for f in split_packets(b.after)[0]))
    if b.error:
        print("script:", b.error)
    print("reconnects:", b.reconnects)
    return 0


if __name__ == "__main__":
    sys.exit(main())
