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

WebSocket (RFC 6455), for a broker made with ws=True: each connection
starts with the opening handshake (§4.2.2: 101, Sec-WebSocket-Accept from
the client's key, Sec-WebSocket-Protocol: mqtt) after the client's
request is checked; the client's frames are un-framed (each must be
masked, with no RSV bit, minimally encoded, binary, continuation, ping,
pong or close: anything else is a failure recorded like a script
error) into the MQTT byte stream the steps above read, and "send" wraps
its bytes in one unmasked binary frame.  Steps for WebSocket only:

  ("ws_handshake", DATA)  first step of a connection: send DATA (bytes,
                   or a function ctx -> bytes; ctx["ws_key"] is the
                   client's key) instead of the normal 101 response
  ("ws_raw", DATA) write DATA as is (frames built by the case)
  ("recv_ws", OPCODE, PAYLOAD)  read client frames until a control frame
                   arrives; it must be OPCODE with that PAYLOAD (unmasked)
  ("recv_ws", OPCODE, PAYLOAD, SKIP)  the same, OPCODE frames with a
                   payload in the set SKIP may come first

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
import base64
import hashlib
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


WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
WS_OPS = {0: "continuation", 1: "text", 2: "binary", 8: "close", 9: "ping",
          10: "pong"}


def ws_accept(key):
    """Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2)."""
    return base64.b64encode(hashlib.sha1(key + WS_GUID).digest())


def ws_response(key, status=b"101 Switching Protocols", accept=None,
                proto=b"mqtt", extra=b""):
    """The server's handshake response head; accept/proto None: right /
    absent.  RFC 6455 §4.2.2 step 5."""
    head = b"HTTP/1.1 " + status + b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    head += b"Sec-WebSocket-Accept: " + (ws_accept(key) if accept is None else accept) + b"\r\n"
    if proto is not None:
        head += b"Sec-WebSocket-Protocol: " + proto + b"\r\n"
    return head + extra + b"\r\n"


def ws_frame(opcode, payload, fin=True, rsv=0, mask=None, lenbytes=None):
    """One frame (§5.2).  rsv: bits 0x40/0x20/0x10 of the first byte;
    mask: 4 bytes, or None for a server frame; lenbytes: 2 or 8 to force
    the 16- or 64-bit length form (non-minimal when the length is short),
    or the raw extended-length bytes themselves (any length claimed)."""
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | rsv | opcode])
    mbit = 0x80 if mask else 0
    if isinstance(lenbytes, bytes):
        head += bytes([mbit | (126 if len(lenbytes) == 2 else 127)]) + lenbytes
    elif lenbytes == 2 or (lenbytes is None and 126 <= n < 65536):
        head += bytes([mbit | 126]) + n.to_bytes(2, "big")
    elif lenbytes == 8 or (lenbytes is None and n >= 65536):
        head += bytes([mbit | 127]) + n.to_bytes(8, "big")
    else:
        head += bytes([mbit | n])
    if mask:
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        head += mask
    return head + payload


def ws_parse(data):
    """(frame dict, bytes used) of the first whole frame in data, or None."""
    if len(data) < 2:
        return None
    n, i = data[1] & 0x7F, 2
    if n == 126:
        if len(data) < 4:
            return None
        n, i = int.from_bytes(data[2:4], "big"), 4
    elif n == 127:
        if len(data) < 10:
            return None
        n, i = int.from_bytes(data[2:10], "big"), 10
    masked = bool(data[1] & 0x80)
    mask = data[i:i + 4] if masked else None
    i += 4 if masked else 0
    if len(data) < i + n:
        return None
    payload = data[i:i + n]
    if masked:
        payload = bytes(c ^ mask[k % 4] for k, c in enumerate(payload))
    return {"fin": bool(data[0] & 0x80), "rsv": data[0] & 0x70, "op": data[0] & 0x0F,
            "mask": mask, "payload": payload, "raw": data[:i + n]}, i + n


def ws_check(f):
    """Why a client frame breaks RFC 6455, or None."""
    what = "%s frame %s" % (WS_OPS.get(f["op"], "opcode %d" % f["op"]), f["raw"][:16].hex())
    if f["mask"] is None:
        return "unmasked client WebSocket %s (§5.1: a client masks every frame)" % what
    if f["rsv"]:
        return "client WebSocket %s with an RSV bit set (§5.2)" % what
    if f["op"] not in (0, 2, 8, 9, 10):
        return "client WebSocket %s: MQTT is binary (§6 of MQTT 5.0)" % what
    if f["op"] >= 8 and (not f["fin"] or len(f["payload"]) > 125):
        return "client WebSocket control %s fragmented or over 125 bytes (§5.5)" % what
    if ws_frame(f["op"], f["payload"], f["fin"], 0, f["mask"]) != f["raw"]:
        return "client WebSocket %s: length not minimally encoded (§5.2)" % what
    return None


class Conn:
    """One accepted connection with a receive buffer and a full log.
    Over WebSocket, buf and log hold the un-framed MQTT stream, rawlog
    the bytes on the wire after the handshake."""

    def __init__(self, sock, deadline):
        self.sock = sock
        self.buf = b""
        self.log = b""          # every byte the client sent
        self.deadline = deadline
        self.ws = False         # un-framing on (after the handshake)
        self.raw = b""          # ws: bytes of a frame not yet whole
        self.rawlog = b""
        self.ctl = []           # ws: control frames from the client
        self.ws_error = None    # ws: the first client frame breaking RFC 6455

    def _take(self, chunk):
        if not self.ws:
            self.buf += chunk
            self.log += chunk
            return
        self.raw += chunk
        self.rawlog += chunk
        while True:
            got = ws_parse(self.raw)
            if got is None:
                return
            f, used = got
            self.raw = self.raw[used:]
            self.ws_error = self.ws_error or ws_check(f)
            if f["op"] >= 8:
                self.ctl.append(f)
            elif f["op"] in (0, 2):
                self.buf += f["payload"]
                self.log += f["payload"]

    def read_head(self):
        """The client's HTTP request head (WebSocket handshake)."""
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > 16384:
                raise Eof()
            self._fill()
        head, rest = self.buf.split(b"\r\n\r\n", 1)
        self.buf, self.log = b"", b""
        self.ws = True
        self._take(rest)
        return head

    def read_control(self):
        """The next control frame from the client."""
        while not self.ctl:
            self._fill()
        return self.ctl.pop(0)

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
            if self.ws and self.raw and not self.ws_error:
                self.ws_error = "client closed in the middle of a WebSocket frame (%s)" % (
                    self.raw[:16].hex())
            raise Eof()
        self._take(chunk)

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
        self._take(chunk)
        return bool(self.buf)

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
        """Write MQTT bytes: over WebSocket, in one binary frame."""
        self.send_raw(ws_frame(2, data) if self.ws else data)

    def send_raw(self, data):
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

    def __init__(self, script, hold=10.0, ws=False):
        self.script = script
        self.hold = hold
        self.ws = ws             # RFC 6455 transport on every connection
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
                if self.ws:
                    steps = self._ws_handshake(c, steps)
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
                            self.ctx.setdefault("pids", []).append(pid)
                            self.ctx["pid"] = pid
                            self.ctx["pid_" + NAMES[t]] = pid
                    elif op in ("send", "ws_raw"):
                        data = st[1](self.ctx) if callable(st[1]) else st[1]
                        (c.send if op == "send" else c.send_raw)(data)
                        cut = len(c.log) - len(c.buf)
                    elif op == "recv_ws":
                        f = c.read_control()
                        while len(st) > 3 and f["op"] == st[1] and f["payload"] in st[3]:
                            f = c.read_control()
                        if f["op"] != st[1] or f["payload"] != st[2]:
                            self.error = "expected a WebSocket %s frame [%s], got %s [%s]" % (
                                WS_OPS[st[1]], st[2].hex(), WS_OPS.get(f["op"], f["op"]),
                                f["payload"].hex())
                            break
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
                self.error = self.error or c.ws_error
                self.logs.append(c.log)
                c.close()
            if self.error:
                return

    def _ws_handshake(self, c, steps):
        """Check the client's opening handshake (RFC 6455 §4.1), answer it
        (or send the case's own answer); returns the steps left."""
        head = c.read_head()
        lines = head.split(b"\r\n")
        hdr = {}
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            hdr[k.strip().lower()] = v.strip()
        key = hdr.get(b"sec-websocket-key", b"")
        self.ctx["ws_key"] = key
        self.ctx["ws_request"] = head
        why = None
        try:
            raw = base64.b64decode(key, validate=True)
        except ValueError:
            raw = b""
        if not lines[0].startswith(b"GET /mqtt HTTP/1.1"):
            why = "request line %r" % lines[0]
        elif hdr.get(b"upgrade", b"").lower() != b"websocket":
            why = "no Upgrade: websocket"
        elif b"upgrade" not in hdr.get(b"connection", b"").lower():
            why = "no Connection: Upgrade"
        elif hdr.get(b"sec-websocket-version") != b"13":
            why = "no Sec-WebSocket-Version: 13"
        elif len(raw) != 16:
            why = "Sec-WebSocket-Key %r is not 16 bytes in base64" % key
        elif b"mqtt" not in [p.strip() for p in hdr.get(b"sec-websocket-protocol", b"").split(b",")]:
            why = "no Sec-WebSocket-Protocol: mqtt"
        elif b"host" not in hdr:
            why = "no Host"
        if why:
            self.error = "bad WebSocket request: %s" % why
        if steps and steps[0][0] == "ws_handshake":
            data = steps[0][1]
            c.send_raw(data(self.ctx) if callable(data) else data)
            return steps[1:]
        c.send_raw(ws_response(key))
        return steps


def main():
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    import cases
    want = sys.argv[1] if len(sys.argv) > 1 else None
    found = [k for k in cases.all_cases() if k.name == want]
    if not found:
        sys.stderr.write("usage: broker.py CASE-NAME  (see run.py --list)\n")
        return 2
    case = found[0]
    b = Broker(case.script, hold=case.hold, ws=case.ws)
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
