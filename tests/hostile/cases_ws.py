"""cases_ws.py - the hostile broker's MQTT-over-WebSocket cases (RFC 6455).

The same client states as cases.py, over a broker made with ws=True
(broker.py: it does the opening handshake, un-frames the client's frames,
which must be masked and minimally encoded, and frames what "send"
sends).  The case's bytes are raw WebSocket bytes ("ws_raw"), built here
frame by frame, or a scripted handshake response ("ws_handshake").

What the client (src/core/ws.c, transport_ws.c) must do, RFC 6455:
  §5.1    a masked server frame: fail the connection
  §5.2    RSV1-3 set with no extension agreed: fail; the 64-bit length
          has its top bit 0; "the minimal number of bytes MUST be used to
          encode the length": a sender rule, and §7.1.7 lets the receiver
          of such an invalid frame fail the connection, which this client
          does (a 16-bit length for 5 bytes, a 64-bit one for 2^16-1 or
          less are errors, named "malformed WebSocket frame")
  §5.2    an unknown opcode (3-7, 0xB-0xF): fail
  §5.4    a continuation frame with no message started, or a new data
          frame while a fragmented one is open: fail; control frames
          may come between the fragments
  §5.5    control frames: at most 125 bytes, never fragmented
  §5.5.1  a close frame's body is empty or a 2-byte status then a
          UTF-8 reason: a 1-byte body is invalid; the client echoes the
          status in its own close frame and reports it
  §5.5.2  a ping is answered by a pong with the same application data
  §4.1    the opening handshake: 101, Upgrade: websocket, Connection:
          Upgrade, the right Sec-WebSocket-Accept, no extension the
          client did not ask for, and (item 6) the subprotocol the
          client asked for; anything else fails; 401/403 are the broker
          refusing us (exit 3), a redirect is named and not followed
  MQTT 5.0 §6 / 3.1.1 §6: binary frames only; packets may span frames
          and frames may hold several packets.
"""
import broker
from broker import ws_frame, ws_response
from cases import (V311, V5, CONNECT, PUBLISH, PUBACK, SUBSCRIBE, CLOSED, LOST,
                   Case, R, S, ack, ack_forms, connack, disc_ok, mk, pid_ack,
                   publish, st_connect, st_pub, st_sub, sub_ok, suback, u16)

MALFORMED = r"malformed WebSocket frame from the server"
MASK = b"\x01\x02\x03\x04"


def raw(data):
    return ("ws_raw", data)


def wsmk(cases, name, v, state, data, extra=(), **kw):
    """state, then the raw WebSocket bytes data (or data(ctx))."""
    kw.setdefault("exit", 1)
    mk(cases, "ws-" + name, v, state, None, extra=[raw(data)] + list(extra),
       ws=True, **kw)


# The packet each state waits for next, as bytes for a context: the
# CONNACK while connecting, a PUBACK for mqpub, a PUBLISH for mqsub.
def targets(v, tool):
    mid = (st_pub(v, 1), pid_ack(v, PUBACK)) if tool == "pub" else (
        st_sub(v), lambda c: publish(v, payload=b"m"))
    return [("connack", st_connect(v, tool), lambda c: connack(v)),
            ("mid", mid[0], mid[1])]


def call(p, c):
    return p(c) if callable(p) else p


# Frames no server may send (name, builder(packet) -> bytes, error).
BAD_FRAMES = [
    ("masked", lambda p: ws_frame(2, p, mask=MASK), MALFORMED),                 # §5.1
    ("rsv1", lambda p: ws_frame(2, p, rsv=0x40), MALFORMED),                    # §5.2
    ("rsv2", lambda p: ws_frame(2, p, rsv=0x20), MALFORMED),
    ("rsv3", lambda p: ws_frame(2, p, rsv=0x10), MALFORMED),
    ("text", lambda p: ws_frame(1, p), r"WebSocket text frame from the server \(MQTT is binary\)"),
    ("opcode3", lambda p: ws_frame(3, p), MALFORMED),
    ("opcode7", lambda p: ws_frame(7, p), MALFORMED),
    ("opcode-b", lambda p: ws_frame(0xB, b"") + ws_frame(2, p), MALFORMED),
    ("opcode-f", lambda p: ws_frame(0xF, b"") + ws_frame(2, p), MALFORMED),
    # 64-bit length with the top bit set: illegal (§5.2)
    ("len-2p63", lambda p: ws_frame(2, p, lenbytes=(1 << 63 | len(p)).to_bytes(8, "big")), MALFORMED),
    ("len-ffff", lambda p: ws_frame(2, p, lenbytes=b"\xff" * 8), MALFORMED),
    # not minimal (§5.2): rejected, see the top of the file
    ("len16-nonminimal", lambda p: ws_frame(2, p, lenbytes=2), MALFORMED),
    ("len64-nonminimal", lambda p: ws_frame(2, p, lenbytes=8), MALFORMED),
    ("len64-ffff", lambda p: ws_frame(2, p, lenbytes=(0xFFFF).to_bytes(8, "big")), MALFORMED),
    # control frames (§5.5)
    ("ping-126", lambda p: ws_frame(9, b"x" * 126) + ws_frame(2, p), MALFORMED),
    ("pong-126", lambda p: ws_frame(10, b"x" * 126) + ws_frame(2, p), MALFORMED),
    ("close-126", lambda p: ws_frame(8, u16(1000) + b"x" * 124), MALFORMED),
    ("ping-fragmented", lambda p: ws_frame(9, b"h", fin=False) + ws_frame(0, b"i") +
     ws_frame(2, p), MALFORMED),
    ("close-fragmented", lambda p: ws_frame(8, u16(1000), fin=False), MALFORMED),
    ("close-1byte", lambda p: ws_frame(8, b"\x03"), MALFORMED),                 # §5.5.1
    # fragmentation (§5.4)
    ("continuation-first", lambda p: ws_frame(0, p), MALFORMED),
    ("continuation-after-fin", lambda p: ws_frame(2, p[:1]) + ws_frame(0, p[1:]), MALFORMED),
    ("binary-in-message", lambda p: ws_frame(2, p[:1], fin=False) + ws_frame(2, p[1:]), MALFORMED),
    ("text-in-message", lambda p: ws_frame(2, p[:1], fin=False) + ws_frame(1, p[1:]), r"text frame|malformed"),
]

# The link closed in the middle of a frame (name, builder(packet)).
CUTS = [
    ("cut-header-1", lambda p: b"\x82"),
    ("cut-header-len16", lambda p: b"\x82\x7e\x00"),
    ("cut-header-len64", lambda p: b"\x82\x7f\x00\x00\x00\x00"),
    ("cut-payload", lambda p: ws_frame(2, p)[:-1]),
    ("cut-payload-len16", lambda p: b"\x82\x7e\x00\xc8" + p[:1]),
    ("cut-control", lambda p: ws_frame(9, b"hello")[:4]),
    ("cut-in-message", lambda p: ws_frame(2, p[:2], fin=False)),
]


def gen_bad_frames(cases, v, tool):
    for where, state, pkt in targets(v, tool):
        for name, build, err in BAD_FRAMES:
            wsmk(cases, "%s-%s" % (name, where), v, state,
                 lambda c, build=build, pkt=pkt: build(pkt(c)), err=err)
        for name, build in CUTS:
            wsmk(cases, "%s-%s" % (name, where), v, state,
                 lambda c, build=build, pkt=pkt: build(pkt(c)), err=LOST,
                 args=["--no-reconnect"], extra=[("close",)])
        # A frame header claiming 2^62 bytes: refused at once, not buffered.
        wsmk(cases, "len-2p62-%s" % where, v, state,
             lambda c: b"\x82\x7f" + (1 << 62).to_bytes(8, "big"),
             err=r"too large|malformed WebSocket", rss_kb=16 * 1024)


def gen_close(cases, v, tool):
    """A close frame (§5.5.1): reported with its status and reason, the
    status echoed in the client's close frame, no MQTT bytes after."""
    for where, state, _ in targets(v, tool):
        for name, body, said in (
                ("1001", u16(1001) + b"going away", "status 1001 going away"),
                ("1000", u16(1000), "status 1000"),
                ("empty", b"", "status 1005"),
                ("reason-newline", u16(1011) + b"bad\nthing\r\x1b[2J", None),
                ("reason-not-utf8", u16(1008) + b"\xff\xfe", None)):
            # (-V 5 before CONNACK adds a hint that the broker may not
            # speak MQTT 5; mqpub adds what was not acknowledged)
            err = (r"^mq%s: .*WebSocket closed by the server: %s"
                   r"( before CONNACK .*|; 1 of 1 message not acknowledged)?$" % (tool, said) if said
                   else r"^mq%s: .*WebSocket closed by the server: status 10\d\d" % tool)
            echo = body[:2]
            wsmk(cases, "close-%s-%s" % (name, where), v, state, ws_frame(8, body),
                 err=err, after=[], args=["--no-reconnect"],
                 extra=[("recv_ws", 8, echo)])


def gen_handshake(cases, v, tool):
    """Bad opening handshakes (§4.1): the client names them; 401/403 are
    a refusal (exit 3).  The client sends nothing after the response."""
    def hs(name, resp, err, exit=1, extra=(), **kw):
        cases.append(Case("ws-handshake-" + name, v, tool,
                          [[("ws_handshake", resp)] + list(extra)], exit=exit, err=err,
                          after=[], ws=True, out=b"" if tool == "sub" else None, **kw))
    status = "WebSocket handshake failed: the server did not switch protocols"
    for code, text in ((200, "OK"), (404, "Not Found"), (500, "Internal Server Error"),
                       (426, "Upgrade Required")):
        line = "HTTP/1.1 %d %s" % (code, text)
        hs("status-%d" % code, (line + "\r\nContent-Length: 0\r\n\r\n").encode(),
           r"%s \(%s\)$" % (status, line))
    for code, text in ((401, "Unauthorized"), (403, "Forbidden")):
        line = "HTTP/1.1 %d %s" % (code, text)
        hs("status-%d" % code, (line + "\r\nWWW-Authenticate: Bearer\r\n\r\n").encode(),
           r"WebSocket handshake refused: %s$" % line, exit=3)
    hs("redirect-302", b"HTTP/1.1 302 Found\r\nLocation: ws://elsewhere/mqtt\r\n\r\n",
       r"WebSocket handshake: HTTP/1.1 302 Found, to ws://elsewhere/mqtt \(not followed\)$")
    hs("redirect-no-location", b"HTTP/1.1 307 Temporary Redirect\r\n\r\n",
       r"307 Temporary Redirect, to nowhere \(not followed\)$")
    hs("wrong-accept", lambda c: ws_response(c["ws_key"], accept=b"MDAwMDAwMDAwMDAwMDAwMDAwMDA="),
       r"WebSocket handshake failed: wrong Sec-WebSocket-Accept \(HTTP/1.1 101 Switching Protocols\)$")
    hs("accept-of-other-key", lambda c: ws_response(b"dGhlIHNhbXBsZSBub25jZQ=="),
       r"wrong Sec-WebSocket-Accept")
    hs("no-accept", lambda c: ws_response(c["ws_key"]).replace(b"Sec-WebSocket-Accept", b"X-Accept"),
       r"wrong Sec-WebSocket-Accept")
    hs("no-subprotocol", lambda c: ws_response(c["ws_key"], proto=None),
       r"did not agree to the 'mqtt' subprotocol \(HTTP/1.1 101 Switching Protocols\)$")
    hs("other-subprotocol", lambda c: ws_response(c["ws_key"], proto=b"mqttv3.1"),
       r"did not agree to the 'mqtt' subprotocol")
    hs("no-upgrade", lambda c: ws_response(c["ws_key"]).replace(b"Upgrade: websocket\r\n", b""),
       r"no 'Upgrade: websocket'")
    # §4.1 items 3 and 5: Connection must include "Upgrade"; an extension
    # the client did not ask for fails the connection.
    hs("no-connection", lambda c: ws_response(c["ws_key"]).replace(b"Connection: Upgrade\r\n", b""),
       r"WebSocket handshake failed: no 'Connection: Upgrade'")
    hs("extension-not-asked", lambda c: ws_response(c["ws_key"], extra=b"Sec-WebSocket-Extensions: permessage-deflate\r\n"),
       r"WebSocket handshake failed: .*extension.*permessage-deflate")
    hs("not-http", b"SSH-2.0-OpenSSH_9.2\r\n\r\n",
       r"WebSocket handshake: not an HTTP response: 'SSH-2.0-OpenSSH_9.2'$")
    hs("mqtt-answer", connack(v) + b"\r\n\r\n", r"not an HTTP response")
    # The client reads at most 16 KB of response head.
    pad = b"".join(b"X-Pad-%04d: %s\r\n" % (i, b"p" * 60) for i in range(300))
    hs("head-too-long", lambda c: ws_response(c["ws_key"], extra=pad),
       r"WebSocket handshake: HTTP response head too long$")
    hs("head-too-long-unended", lambda c: ws_response(c["ws_key"], extra=pad)[:-2],
       r"WebSocket handshake: HTTP response head too long$")
    hs("cut-before-blank-line", lambda c: ws_response(c["ws_key"])[:-2],
       r"WebSocket handshake: the server closed the connection$", extra=[("close",)])
    hs("cut-in-status-line", b"HTTP/1.1 10",
       r"WebSocket handshake: the server closed the connection$", extra=[("close",)])
    hs("closed-at-once", b"",
       r"WebSocket handshake: the server closed the connection$", extra=[("close",)])
    hs("silent", b"", r"timed out|no WebSocket handshake answer in time", exit=5, wait=1)


def gen_ok(cases, v, tool):
    """What a conforming server may do, which must work (MQTT §6:
    packets across frames, several packets in a frame)."""
    def okmk(name, steps, **kw):
        kw.setdefault("exit", 0)
        kw.setdefault("err", None)
        kw.setdefault("after", [disc_ok(v)])
        if tool == "sub":
            kw.setdefault("out", b"m\n")
        cases.append(Case("ws-ok-" + name, v, tool, [steps], ws=True, **kw))

    if tool == "pub":
        def rest(cnk, ackf=lambda c: pid_ack(v, PUBACK)(c)):
            return [R(PUBLISH), raw(lambda c: cnk(ackf(c)))]
    else:
        def rest(cnk):
            return [R(SUBSCRIBE), raw(lambda c: cnk(sub_ok(v)(c) + publish(v, payload=b"m")))]

    def per_byte(p):
        return b"".join(ws_frame(2, p[i:i + 1]) for i in range(len(p)))

    def fragmented(p):
        return (ws_frame(2, p[:1], fin=False) + b"".join(
            ws_frame(0, p[i:i + 1], fin=False) for i in range(1, len(p) - 1)) +
            ws_frame(0, p[-1:]))

    def with_ping(p):
        return (ws_frame(2, p[:1], fin=False) + ws_frame(9, b"hi") +
                ws_frame(0, p[1:3], fin=False) + ws_frame(0, p[3:]))

    def one(p):
        return ws_frame(2, p)
    ca = connack(v)
    okmk("split-per-byte", [R(CONNECT), raw(per_byte(ca))] + rest(per_byte))
    okmk("fragmented", [R(CONNECT), raw(fragmented(ca))] + rest(fragmented))
    okmk("empty-frames", [R(CONNECT), raw(ws_frame(2, b"") + ws_frame(2, ca) + ws_frame(2, b""))] +
         rest(lambda p: ws_frame(2, b"", fin=False) + ws_frame(0, p)))
    # A ping between fragments: answered with a pong of the same data,
    # exact bytes (broker.py re-encodes the client's frame with its mask:
    # 8a 82 MASK "hi"^MASK), and the message is whole.
    okmk("ping-between-fragments", [R(CONNECT), raw(with_ping(ca)), ("recv_ws", 10, b"hi")] +
         rest(one))
    okmk("ping-empty", [R(CONNECT), raw(ws_frame(9, b"") + ws_frame(2, ca)), ("recv_ws", 10, b"")] +
         rest(one))
    big = bytes(range(125))
    okmk("ping-125", [R(CONNECT), raw(ws_frame(9, big) + ws_frame(2, ca)), ("recv_ws", 10, big)] +
         rest(one))
    # A ping while the client has nothing to say: the pong goes at once.
    if tool == "sub":
        okmk("ping-while-idle", [R(CONNECT), S(ca), R(SUBSCRIBE), S(sub_ok(v)),
                                 raw(ws_frame(9, b"idle")), ("recv_ws", 10, b"idle"),
                                 S(publish(v, payload=b"m"))])
    # Two pings at once: a pong for the most recent at least (§5.5.3:
    # one for each, or only for the last one).
    okmk("two-pings", [R(CONNECT), raw(ws_frame(9, b"a") + ws_frame(9, b"b") + ws_frame(2, ca)),
                       ("recv_ws", 10, b"b", {b"a"})] + rest(one))
    # Header names and the Upgrade / Connection tokens are case-insensitive
    # (RFC 7230 §3.2, RFC 6455 §4.1).
    okmk("handshake-other-case", [("ws_handshake", lambda c: ws_response(c["ws_key"]).replace(
        b"Upgrade: websocket\r\nConnection: Upgrade", b"upgrade: WebSocket\r\nconnection: keep-alive, upgrade").replace(
        b"Sec-WebSocket-Accept:", b"sec-websocket-accept:")), R(CONNECT), S(ca)] + rest(one))
    okmk("pong-unsolicited", [R(CONNECT), raw(ws_frame(10, b"x") + ws_frame(2, ca))] + rest(one))
    # The 101 and the first frame in one segment.
    okmk("frame-with-101", [("ws_handshake", lambda c: ws_response(c["ws_key"]) + ws_frame(2, ca)),
                            R(CONNECT)] + rest(one))
    # Several packets in one frame; lengths in the 16- and 64-bit forms.
    if tool == "pub":
        okmk("packets-in-one-frame", [R(CONNECT), S(ca), R(PUBLISH), R(PUBLISH), R(PUBLISH),
                                      raw(lambda c: ws_frame(2, b"".join(
                                          ack(v, PUBACK, p) for p in c["pids"][-3:])))],
             args=["-l"], stdin=b"a\nb\nc\n")
        okmk("publish-70k", [R(CONNECT), S(ca), R(PUBLISH), S(pid_ack(v, PUBACK))],
             args=["-m", "y" * 70000])
    else:
        okmk("packets-in-one-frame", [R(CONNECT), S(ca), R(SUBSCRIBE), raw(lambda c: ws_frame(2, (
            suback(v, c["pid"], [1]) + publish(v, payload=b"a") +
            publish(v, qos=1, pid=5, payload=b"b") + publish(v, payload=b"c"))))],
             count=3, out=b"a\nb\nc\n", after=[ack_forms(v, PUBACK, 5), disc_ok(v)])
        for n in (200, 70000):
            body = bytes(range(256)) * (n // 256) + b"z" * (n % 256)
            okmk("publish-%d" % n, [R(CONNECT), S(ca), R(SUBSCRIBE), S(sub_ok(v)),
                                    S(publish(v, qos=1, pid=6, payload=body))],
                 out=body + b"\n", after=[ack_forms(v, PUBACK, 6), disc_ok(v)])


def gen_silent(cases, v, tool):
    """A broker that says nothing more: -W ends the run (exit 5), the
    client idle meanwhile (no wakeups from what the transport holds)."""
    state = st_sub(v) if tool == "sub" else st_pub(v, 1)
    mk(cases, "ws-silent", v, state, None, exit=5, err=r"timed out", after=None,
       wait=1, ws=True)


def gen_ws(cases):
    for v in (V311, V5):
        for tool in ("pub", "sub"):
            gen_bad_frames(cases, v, tool)
            gen_close(cases, v, tool)
            gen_handshake(cases, v, tool)
            gen_ok(cases, v, tool)
            gen_silent(cases, v, tool)
