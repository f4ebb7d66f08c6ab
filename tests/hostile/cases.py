"""cases.py - the hostile broker's cases, generated (python3 stdlib only).

Every case is one client run against one script (see broker.py): the
client state is set up with valid packets, then the case's packet is sent,
and the outcome is checked:

  exit        the exit code (1 protocol/network error, 3 CONNACK refusal,
              5 -W expired, 6 delivery incomplete, 0 ok)
  err         None: stderr must be empty; else a regex the single stderr
              line must match (stderr is exactly one line)
  after       what the client may send after the case's packet, byte for
              byte: CLOSED (nothing, or one DISCONNECT with an error reason),
              or a list of steps, each a set of acceptable encodings
  out         exact stdout (mqsub), or None for "not checked"

Spec references are MQTT 3.1.1 (OASIS 2014) and MQTT 5.0 (OASIS 2019).
"""

V311, V5 = 4, 5
VNAME = {V311: "311", V5: "5"}

CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK = 8, 9, 10, 11
PINGREQ, PINGRESP, DISCONNECT, AUTH, CONNECT = 12, 13, 14, 15, 1

W = 4              # -W for every client run, seconds
CLOSED = "closed"  # after-check: nothing, or one error DISCONNECT

# Words one of which the single stderr line must contain for a protocol
# error ("naming the problem").
PROTO = (r"malformed|protocol|invalid|reserved|unexpected|not expected|"
         r"unknown|identifier|alias|remaining length|too large|flag|QoS|"
         r"UTF-8|topic|propert|reason")
LOST = r"closed|lost|connection|reset"

# ---------------------------------------------------------------- encoding


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)


def u16(n):
    return bytes([(n >> 8) & 0xFF, n & 0xFF])


def u32(n):
    return n.to_bytes(4, "big")


def s(b):
    """UTF-8 string / binary data: 2-byte length then the bytes."""
    if isinstance(b, str):
        b = b.encode()
    return u16(len(b)) + b


def frame(first, body):
    return bytes([first]) + varint(len(body)) + body


def props(*items):
    blob = b"".join(items)
    return varint(len(blob)) + blob


# Properties (5.0 §2.2.2.2): id -> kind
PKIND = {0x01: "b", 0x02: "u32", 0x03: "str", 0x08: "str", 0x09: "bin",
         0x0B: "vbi", 0x11: "u32", 0x12: "str", 0x13: "u16", 0x15: "str",
         0x16: "bin", 0x17: "b", 0x18: "u32", 0x19: "b", 0x1A: "str",
         0x1C: "str", 0x1F: "str", 0x21: "u16", 0x22: "u16", 0x23: "u16",
         0x24: "b", 0x25: "b", 0x26: "pair", 0x27: "u32", 0x28: "b",
         0x29: "b", 0x2A: "b"}
PNAME = {0x01: "payload-format", 0x02: "message-expiry", 0x03: "content-type",
         0x08: "response-topic", 0x09: "correlation-data", 0x0B: "sub-id",
         0x11: "session-expiry", 0x12: "assigned-client-id",
         0x13: "server-keepalive", 0x15: "auth-method", 0x16: "auth-data",
         0x17: "req-problem-info", 0x18: "will-delay", 0x19: "req-resp-info",
         0x1A: "response-info", 0x1C: "server-reference",
         0x1F: "reason-string", 0x21: "receive-max", 0x22: "alias-max",
         0x23: "topic-alias", 0x24: "max-qos", 0x25: "retain-available",
         0x26: "user-property", 0x27: "max-packet", 0x28: "wildcard-available",
         0x29: "subid-available", 0x2A: "shared-available"}

# Where a property may appear (5.0 Table 2-4), server-to-client packets.
ACKP = {0x1F, 0x26}
ALLOWED = {
    CONNACK: {0x11, 0x12, 0x13, 0x15, 0x16, 0x1A, 0x1C, 0x1F, 0x21, 0x22,
              0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A},
    PUBLISH: {0x01, 0x02, 0x03, 0x08, 0x09, 0x0B, 0x23, 0x26},
    PUBACK: ACKP, PUBREC: ACKP, PUBREL: ACKP, PUBCOMP: ACKP, SUBACK: ACKP,
    UNSUBACK: ACKP,
    DISCONNECT: {0x11, 0x1C, 0x1F, 0x26},
}


def prop(pid, value=None):
    """One property with a plausible valid value (or the given one)."""
    k = PKIND[pid]
    if k == "b":
        v = bytes([1 if value is None else value])
    elif k == "u16":
        v = u16(10 if value is None else value)
    elif k == "u32":
        v = u32(100 if value is None else value)
    elif k == "vbi":
        v = varint(5 if value is None else value)
    elif k in ("str", "bin"):
        v = s(b"ab" if value is None else value)
    else:
        v = s(b"k") + s(b"v") if value is None else value
    return bytes([pid]) + v


# ----------------------------------------------------------- packet builders


def connack(v, rc=0, sp=0, pr=None):
    body = bytes([sp, rc])
    if v == V5:
        body += props() if pr is None else pr
    return frame(0x20, body)


def publish(v, topic=b"t", payload=b"x", qos=0, pid=1, pr=None, dup=0, retain=0):
    body = s(topic)
    if qos:
        body += u16(pid)
    if v == V5:
        body += props() if pr is None else pr
    return frame(0x30 | dup << 3 | qos << 1 | retain, body + payload)


FIRST = {PUBACK: 0x40, PUBREC: 0x50, PUBREL: 0x62, PUBCOMP: 0x70}


def ack(v, t, pid, rc=None, pr=None):
    """PUBACK/PUBREC/PUBREL/PUBCOMP; v5 with rc/props when given."""
    body = u16(pid)
    if v == V5 and (rc is not None or pr is not None):
        body += bytes([rc or 0])
        if pr is not None:
            body += pr
    return frame(FIRST[t], body)


def suback(v, pid, codes, pr=None):
    body = u16(pid)
    if v == V5:
        body += props() if pr is None else pr
    return frame(0x90, body + bytes(codes))


def unsuback(v, pid, codes=(0,)):
    body = u16(pid)
    if v == V5:
        body += props() + bytes(codes)
    return frame(0xB0, body)


def disconnect(v, rc=None, pr=None):
    body = b""
    if v == V5 and rc is not None:
        body = bytes([rc]) + (pr if pr is not None else b"")
    return frame(0xE0, body)


def auth(rc=0x18, pr=None):
    return frame(0xF0, bytes([rc]) + (props(prop(0x15, b"m")) if pr is None else pr))


def pingresp():
    return frame(0xD0, b"")


# What the client may legitimately send: every encoding of the same packet.
def ack_forms(v, t, pid, rc=0):
    f = FIRST[t]
    if v == V311:
        return {bytes([f, 2]) + u16(pid)}
    forms = {bytes([f, 3]) + u16(pid) + bytes([rc]),
             bytes([f, 4]) + u16(pid) + bytes([rc, 0])}
    if rc == 0:
        forms.add(bytes([f, 2]) + u16(pid))
    return forms


def disc_ok(v):
    if v == V311:
        return {b"\xe0\x00"}
    return {b"\xe0\x00", b"\xe0\x01\x00", b"\xe0\x02\x00\x00"}


# ------------------------------------------------------------------ cases


class Case:
    def __init__(self, name, v, tool, script, exit, err=PROTO, after=CLOSED,
                 out=None, qos=1, count=1, args=(), wait=W, rss_kb=None,
                 reconnect_ok=False, stdin=None, auto=False, lines=1, ws=False):
        self.name = "v%s-%s-%s" % ("auto" if auto else VNAME[v], tool, name)
        self.auto = auto         # no -V: the client picks (5, else 3.1.1)
        self.lines = lines       # stderr lines when err is a regex (all match)
        self.v, self.tool, self.script = v, tool, script
        self.exit, self.err, self.after, self.out = exit, err, after, out
        self.qos, self.count, self.args, self.wait = qos, count, list(args), wait
        self.rss_kb = rss_kb
        self.reconnect_ok = reconnect_ok
        self.stdin = stdin       # bytes for mqpub -l / -s
        self.hold = wait + 3
        self.ws = ws             # MQTT over WebSocket (broker.py, RFC 6455)

    def argv(self, bindir, port):
        a = ["%s/mq%s" % (bindir, self.tool)]
        if self.ws:
            a += ["-L", "ws://127.0.0.1:%d/mqtt" % port]
        else:
            a += ["-h", "127.0.0.1", "-p", str(port)]
        if not self.auto:
            a += ["-V", VNAME[self.v]]
        a += ["-i", "hostile", "-t", "t", "-q", str(self.qos), "-W", str(self.wait)]
        if self.tool == "sub":
            a += ["-C", str(self.count)]
        elif not any(x in self.args for x in ("-l", "-s", "-m")):
            a += ["-m", "x"]
        return a + self.args


def R(t):
    return ("recv", t)


def S(data):
    return ("send", data)


def pid_ack(v, t, rc=None, pr=None, delta=0):
    return lambda c: ack(v, t, (c["pid"] + delta) & 0xFFFF, rc, pr)


def sub_ok(v, codes=None):
    return lambda c: suback(v, c["pid"], codes or [1])


# Client states: (tool, qos, count, steps); the case's packet follows.
def st_connect(v, tool):
    return (tool, 1, 1, [R(CONNECT)])


def st_pub(v, qos):
    return ("pub", qos, 1, [R(CONNECT), S(connack(v)), R(PUBLISH)])


def st_pubrel(v):
    return ("pub", 2, 1, [R(CONNECT), S(connack(v)), R(PUBLISH),
                          S(pid_ack(v, PUBREC)), R(PUBREL)])


def st_sub_wait(v):
    return ("sub", 1, 1, [R(CONNECT), S(connack(v)), R(SUBSCRIBE)])


def st_sub(v, qos=1, count=1):
    return ("sub", qos, count, [R(CONNECT), S(connack(v)), R(SUBSCRIBE),
                                S(sub_ok(v))])


def st_sub_rel(v):
    """mqsub holds inbound QoS 2 id 7 between PUBREC and PUBREL."""
    return ("sub", 2, 2, [R(CONNECT), S(connack(v)), R(SUBSCRIBE),
                          S(sub_ok(v, [2])), S(publish(v, qos=2, pid=7)),
                          R(PUBREC)], b"x\n")


UNSET = object()


def mk(cases, name, v, state, inject, out=UNSET, **kw):
    tool, qos, count, steps = state[:4]
    kw.setdefault("qos", qos)
    kw.setdefault("count", count)
    script = [steps + ([S(inject)] if inject is not None else [])]
    if "extra" in kw:
        script[0] += kw.pop("extra")
    if out is UNSET:
        # Nothing printed from a bad stream (but what the state printed).
        out = (state[4] if len(state) > 4 else b"") if tool == "sub" else None
    cases.append(Case(name, v, tool, script, out=out, **kw))


# The natural state for each server packet, and a valid, full-form
# instance of it (5.0: reason code and properties present).
def base_packets(v):
    """(label, state, builder(ctx)->bytes, ok) for each packet type."""
    rs = props(prop(0x1F, b"why"), prop(0x26))
    out = [
        ("connack-pub", st_connect(v, "pub"),
         lambda c: connack(v, pr=props(prop(0x21, 5), prop(0x1F, b"hi")))),
        ("connack-sub", st_connect(v, "sub"),
         lambda c: connack(v, pr=props(prop(0x22, 3), prop(0x26)))),
        ("publish0", st_sub(v), lambda c: publish(v, pr=props(prop(0x02, 60)) if v == V5 else None, payload=b"hello")),
        ("publish1", st_sub(v), lambda c: publish(v, qos=1, pid=9, pr=props(prop(0x01, 1)) if v == V5 else None, payload=b"hello")),
        ("publish2", st_sub(v), lambda c: publish(v, qos=2, pid=9, pr=props(prop(0x26)) if v == V5 else None, payload=b"hello")),
        ("puback", st_pub(v, 1), lambda c: ack(v, PUBACK, c["pid"], 0x10, rs) if v == V5 else ack(v, PUBACK, c["pid"])),
        ("pubrec", st_pub(v, 2), lambda c: ack(v, PUBREC, c["pid"], 0x10, rs) if v == V5 else ack(v, PUBREC, c["pid"])),
        ("pubrel", st_sub_rel(v), lambda c: ack(v, PUBREL, 7, 0, rs) if v == V5 else ack(v, PUBREL, 7)),
        ("pubcomp", st_pubrel(v), lambda c: ack(v, PUBCOMP, c["pid"], 0, rs) if v == V5 else ack(v, PUBCOMP, c["pid"])),
        ("suback", st_sub_wait(v), lambda c: suback(v, c["pid"], [1], rs if v == V5 else None)),
        ("unsuback", st_sub(v), lambda c: unsuback(v, 1, [0x11])),
        ("pingresp", st_sub(v), lambda c: pingresp()),
        ("disconnect", st_sub(v), lambda c: disconnect(v, 0x8B, rs) if v == V5 else disconnect(v)),
    ]
    if v == V5:
        out.append(("auth", st_sub(v), lambda c: auth(0x18)))
    return out


def split(p):
    """(first byte, body) of a frame."""
    i = 1
    while p[i] & 0x80:
        i += 1
    return p[0], p[i + 1:]


# Body lengths at which a truncated (re-framed) packet is still valid, and
# what the client does then.  Anything else is malformed.
def trunc_valid(v, label, body_len, header_len):
    if label.startswith("publish"):
        return body_len >= header_len          # a shorter payload
    if v == V5 and label in ("puback", "pubrec", "pubrel", "pubcomp"):
        return body_len in (2, 3)              # §3.4.2.1: reason, props optional
    if v == V5 and label == "disconnect":
        return body_len in (0, 1)              # §3.14.2.1
    return False


def gen_truncation(cases, v):
    """Every packet cut at every length: (a) re-framed so the remaining
    length matches the short body (malformed unless the spec allows the
    shorter form), (b) a partial frame, then the broker closes."""
    for label, state, build in base_packets(v):
        tool = state[0]
        # Evaluate the builder with a fake context to learn the size; the
        # real packet is rebuilt with the client's ids at run time.
        probe = build({"pid": 1})
        first, body = split(probe)
        hdr = {"publish0": 2 + 1, "publish1": 2 + 1 + 2,
               "publish2": 2 + 1 + 2}.get(label, 0)
        if v == V5 and label.startswith("publish"):
            _, pb = split(probe)
            pl = pb[hdr]                      # property length (1 byte here)
            hdr += 1 + pl
        for n in range(len(body)):
            def inj(c, build=build, n=n):
                f, b = split(build(c))
                return frame(f, b[:n])
            if trunc_valid(v, label, n, hdr):
                continue      # valid shorter forms are covered by controls
            mk(cases, "trunc-%s-body%d" % (label, n), v, state, inj, exit=1)
        for n in range(1, len(probe)):
            def inj2(c, build=build, n=n):
                return build(c)[:n]
            mk(cases, "cut-%s-at%d" % (label, n), v, state, inj2, exit=1,
               err=LOST, args=["--no-reconnect"], extra=[("close",)])
    return cases


def gen_overlong(cases, v):
    for label, state, build in base_packets(v):
        if label.startswith("publish"):
            continue            # extra bytes are payload
        if label == "suback":
            extras = [b"\x00", b"\x01\x01"]     # more codes than filters
        else:
            extras = [b"\x00", b"\x00\x00", b"\xff\xff\xff", b"\x00" * 100]
        for i, e in enumerate(extras):
            def inj(c, build=build, e=e):
                f, b = split(build(c))
                return frame(f, b + e)
            mk(cases, "overlong-%s-%d" % (label, i), v, state, inj, exit=1)


def gen_remlen(cases, v):
    """5-byte and non-minimal remaining lengths (5.0 §1.5.5, 3.1.1 §2.2.3)."""
    for label, state, build in base_packets(v):
        for i, rl in enumerate([b"\x80\x80\x80\x80\x01", b"\xff\xff\xff\xff\x7f",
                                b"\xff\xff\xff\xff\xff"]):
            def inj(c, build=build, rl=rl):
                f, _ = split(build(c))
                return bytes([f]) + rl
            mk(cases, "remlen5-%s-%d" % (label, i), v, state, inj, exit=1,
               err=r"remaining length|malformed")
        for extra in (1, 2, 3):
            def inj(c, build=build, extra=extra):
                f, b = split(build(c))
                rl = bytearray(varint(len(b)))
                rl[-1] |= 0x80
                rl += b"\x80" * (extra - 1) + b"\x00"
                if len(rl) > 4:
                    rl = rl[:4]
                    rl[-1] = 0x00
                return bytes([f]) + bytes(rl) + b
            if len(varint(len(split(build({"pid": 1}))[1]))) + extra > 4:
                continue
            mk(cases, "remlen-nonminimal-%s-%d" % (label, extra), v, state, inj,
               exit=1, err=r"remaining length|malformed|minimal")


def gen_flags(cases, v):
    """Reserved fixed-header flag bits (§2.1.3 / §2.2.2)."""
    for label, state, build in base_packets(v):
        if label.startswith("publish"):
            continue
        for fl in range(16):
            first = split(build({"pid": 1}))[0]
            if fl == first & 0x0F:
                continue
            def inj(c, build=build, fl=fl):
                f, b = split(build(c))
                return frame((f & 0xF0) | fl, b)
            mk(cases, "flags-%s-%x" % (label, fl), v, state, inj, exit=1)
    # PUBLISH: QoS 3 [MQTT-3.3.1-4]; DUP on QoS 0 [MQTT-3.3.1-2].
    for fl in (0x6, 0x7, 0xE, 0xF, 0x8, 0x9):
        def inj(c, fl=fl):
            f, b = split(publish(v, qos=1, pid=5))
            return frame(0x30 | fl, b)
        mk(cases, "flags-publish-%x" % fl, v, st_sub(v), inj, exit=1)


def gen_wrong_state(cases, v):
    """Packets the server may not send, or not now."""
    cl = [("connack", lambda c: connack(v)),
          ("publish", lambda c: publish(v, qos=1, pid=3)),
          ("puback", lambda c: ack(v, PUBACK, 1)),
          ("pubrec", lambda c: ack(v, PUBREC, 1)),
          ("pubrel", lambda c: ack(v, PUBREL, 1)),
          ("pubcomp", lambda c: ack(v, PUBCOMP, 1)),
          ("suback", lambda c: suback(v, 1, [0])),
          ("unsuback", lambda c: unsuback(v, 1)),
          ("pingresp", lambda c: pingresp()),
          ("disconnect", lambda c: disconnect(v, 0x8B) if v == V5 else disconnect(v)),
          ("auth", lambda c: auth()),
          # client-to-server packets coming from the server
          ("connect", lambda c: frame(0x10, s("MQTT") + bytes([v, 2]) + u16(60) +
                                      (props() if v == V5 else b"") + s("x"))),
          ("subscribe", lambda c: frame(0x82, u16(1) + (props() if v == V5 else b"") + s("t") + b"\x01")),
          ("unsubscribe", lambda c: frame(0xA2, u16(1) + (props() if v == V5 else b"") + s("t"))),
          ("pingreq", lambda c: frame(0xC0, b"")),
          ("type0", lambda c: frame(0x00, b"")),
          ]
    for tool in ("pub", "sub"):
        for label, b in cl:
            if label == "connack":
                continue
            mk(cases, "before-connack-%s" % label, v, st_connect(v, tool), b, exit=1)
    for label, b in cl:
        if label in ("pingresp", "disconnect", "publish", "pubrel",
                     "puback", "pubrec", "pubcomp"):
            continue   # acks for ids not in flight: gen_stray_acks; others valid
        if label == "auth" and v == V311:
            pass       # type 15 is reserved in 3.1.1: still an error
        mk(cases, "connected-%s" % label, v, st_sub(v), b, exit=1)
    for label, b in cl:
        if label in ("pingresp", "disconnect", "publish", "pubrel", "puback"):
            continue   # PUBACK id 1 is the right answer there
        mk(cases, "publishing-%s" % label, v, st_pub(v, 1), b, exit=1)
    if v == V311:
        mk(cases, "connected-disconnect", v, st_sub(v), disconnect(v), exit=1)
    # Acks of the wrong kind for the message's QoS.
    mk(cases, "pubrec-for-qos1", v, st_pub(v, 1), pid_ack(v, PUBREC), exit=1,
       err=PROTO + "|unknown")
    mk(cases, "pubcomp-for-qos1", v, st_pub(v, 1), pid_ack(v, PUBCOMP), exit=1)
    # PUBACK for QoS 2 before PUBREC: the broker granted QoS 1
    # (gen_qos2_as_qos1); after PUBREC it is an error.
    mk(cases, "puback-for-qos2-after-pubrec", v, st_pubrel(v), pid_ack(v, PUBACK), exit=1)
    mk(cases, "pubcomp-before-pubrec", v, st_pub(v, 2), pid_ack(v, PUBCOMP), exit=1)
    mk(cases, "suback-to-publisher", v, st_pub(v, 1), lambda c: suback(v, c["pid"], [1]), exit=1)
    mk(cases, "second-suback", v, st_sub(v), lambda c: suback(v, c["pid"], [1]), exit=1)
    mk(cases, "connack-twice-sub", v, st_sub(v), connack(v), exit=1)
    mk(cases, "connack-twice-pub", v, st_pub(v, 1), connack(v), exit=1)
    mk(cases, "connack-twice-at-once", v, st_connect(v, "sub"), connack(v) + connack(v), exit=1)
    # Session Present on a clean start [MQTT-3.2.2-4 / 5.0 3.2.2.1.1].
    mk(cases, "connack-session-present-clean", v, st_connect(v, "sub"), connack(v, sp=1), exit=1)
    # Session Present with a refusal [MQTT-3.2.2-4 / -6].
    mk(cases, "connack-session-present-refused", v, st_connect(v, "sub"),
       connack(v, rc=5 if v == V311 else 0x87, sp=1), exit=1)


def gen_ids(cases, v):
    """Packet identifier 0 (§2.2.1 [MQTT-2.2.1-3]) and unknown ids."""
    for t, st in ((PUBACK, st_pub(v, 1)), (PUBREC, st_pub(v, 2)),
                  (PUBCOMP, st_pubrel(v))):
        n = {PUBACK: "puback", PUBREC: "pubrec", PUBCOMP: "pubcomp"}[t]
        mk(cases, "%s-id0" % n, v, st, ack(v, t, 0), exit=1)
    mk(cases, "suback-id0", v, st_sub_wait(v), suback(v, 0, [1]), exit=1)
    mk(cases, "suback-id-unknown", v, st_sub_wait(v), lambda c: suback(v, c["pid"] + 1, [1]), exit=1)
    for q in (1, 2):
        mk(cases, "publish-qos%d-id0" % q, v, st_sub(v), publish(v, qos=q, pid=0), exit=1)
    # PUBREL for an id never seen: answer PUBCOMP (5.0: 0x92 not found),
    # then carry on (§4.3.3).  A QoS 0 message then ends the run.
    for pid in (99, 0xFFFF):
        mk(cases, "pubrel-unknown-%d" % pid, v, st_sub(v),
           ack(v, PUBREL, pid) + publish(v, payload=b"end"), exit=0, err=None,
           after=[ack_forms(v, PUBCOMP, pid, 0x92 if v == V5 else 0), disc_ok(v)],
           out=b"end\n")
    mk(cases, "pubrel-id0", v, st_sub(v), ack(v, PUBREL, 0), exit=1)


def gen_stray_acks(cases, v):
    """Acks for ids not in flight, as a broker restarted from older saved
    state sends them: ignored, a PUBREC answered with PUBREL (5.0: 0x92
    "packet identifier not found", §3.6.2.1); the run then ends normally."""
    pubrel_nf = lambda pid: ack_forms(v, PUBREL, pid, 0x92 if v == V5 else 0)
    for pid in (99, 0xFFFF):
        # To a subscriber, then a QoS 0 message ends the run (-C 1).
        for t, n in ((PUBACK, "puback"), (PUBCOMP, "pubcomp"), (PUBREC, "pubrec")):
            after = ([pubrel_nf(pid)] if t == PUBREC else []) + [disc_ok(v)]
            mk(cases, "stray-%s-%d-to-subscriber" % (n, pid), v, st_sub(v),
               ack(v, t, pid) + publish(v, payload=b"end"), exit=0, err=None,
               after=after, out=b"end\n")
    # To a publisher, before the real acknowledgement.
    mk(cases, "stray-puback-then-real", v, st_pub(v, 1),
       lambda c: ack(v, PUBACK, (c["pid"] + 1) & 0xFFFF) + ack(v, PUBACK, c["pid"]),
       exit=0, err=None, after=[disc_ok(v)])
    mk(cases, "stray-pubcomp-then-real", v, st_pubrel(v),
       lambda c: ack(v, PUBCOMP, (c["pid"] + 1) & 0xFFFF) + ack(v, PUBCOMP, c["pid"]),
       exit=0, err=None, after=[disc_ok(v)])
    mk(cases, "second-puback", v, st_pub(v, 1),
       lambda c: ack(v, PUBACK, c["pid"]) + ack(v, PUBACK, c["pid"]),
       exit=0, err=None, after=None)


def gen_suback(cases, v):
    """SUBACK reason counts and codes (§3.9.3)."""
    for name, codes in (("none", []), ("two-for-one", [1, 1]),
                        ("three-for-one", [0, 1, 2])):
        mk(cases, "suback-count-%s" % name, v, st_sub_wait(v),
           lambda c, codes=codes: suback(v, c["pid"], codes), exit=1)
    st2 = ("sub", 1, 1, [R(CONNECT), S(connack(v)), R(SUBSCRIBE)])
    for name, codes in (("one-for-two", [1]), ("three-for-two", [1, 1, 1])):
        mk(cases, "suback-count-%s" % name, v, st2,
           lambda c, codes=codes: suback(v, c["pid"], codes), exit=1,
           args=["-t", "u"])
    bad = [3, 4, 0x7F, 0x81, 0xFF] if v == V311 else [3, 4, 0x10, 0x7F, 0x81, 0x84, 0xFF]
    for code in bad:
        mk(cases, "suback-code-%02x" % code, v, st_sub_wait(v),
           lambda c, code=code: suback(v, c["pid"], [code]), exit=1)
    refusals = [0x80] if v == V311 else [0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2]
    for code in refusals:
        mk(cases, "suback-refused-%02x" % code, v, st_sub_wait(v),
           lambda c, code=code: suback(v, c["pid"], [code]), exit=6,
           err=r"refused", after=[disc_ok(v)])
    # Two filters, one refused: exit 6 names the refused one.
    mk(cases, "suback-one-of-two-refused", v, st2,
       lambda c: suback(v, c["pid"], [1, 0x80]), exit=6, err=r"refused.*'u'|'u'.*refused",
       args=["-t", "u"], after=[disc_ok(v)])


BAD_TOPICS = [
    ("nul", b"a\x00b"), ("overlong-nul", b"a\xc0\x80"), ("lone-cont", b"\x80"),
    ("surrogate", b"\xed\xa0\x80"), ("trunc-utf8", b"a\xe2\x82"),
    ("f5", b"\xf5\x80\x80\x80"), ("ff", b"\xff"), ("overlong-slash", b"\xc0\xaf"),
    ("above-10ffff", b"\xf4\x90\x80\x80"), ("plus", b"+"), ("hash", b"#"),
    ("plus-level", b"a/+/b"), ("hash-end", b"a/#"), ("plus-inside", b"a+b"),
    ("hash-inside", b"a#b"),
]


def gen_topics(cases, v):
    """PUBLISH topic names (§4.7.3, §1.5.4): never printed, never acked."""
    for name, t in BAD_TOPICS:
        for q in (0, 1, 2):
            mk(cases, "topic-%s-qos%d" % (name, q), v, st_sub(v),
               publish(v, topic=t, qos=q, pid=4), exit=1)
    # Topic length claims more than the packet has.
    mk(cases, "topic-len-overrun", v, st_sub(v),
       frame(0x30, u16(50) + b"t" + (b"\x00" if v == V5 else b"")), exit=1)
    # Empty topic: malformed in 3.1.1; 5.0 needs a Topic Alias.
    mk(cases, "topic-empty", v, st_sub(v), publish(v, topic=b"", qos=1, pid=4), exit=1)
    # Valid UTF-8 the client must accept (controls).
    for name, t in (("utf8-2", "é".encode()), ("utf8-3", "€".encode()),
                    ("utf8-4", "😀".encode()), ("dollar", b"$SYS/x"),
                    ("long", b"a" * 2000)):
        mk(cases, "topic-ok-%s" % name, v, st_sub(v),
           publish(v, topic=t, qos=1, pid=4, payload=b"p"), exit=0, err=None,
           after=[ack_forms(v, PUBACK, 4), disc_ok(v)], out=b"p\n")


UNKNOWN_PIDS = [0x00, 0x04, 0x05, 0x07, 0x0A, 0x0C, 0x10, 0x14, 0x1B, 0x1D,
                0x1E, 0x20, 0x2B, 0x7F, 0x80, 0xFF]


def v5_ctx(label):
    """(state, builder(props) -> injector, ok outcome kwargs)."""
    v = V5
    if label == "connack":
        return (st_connect(v, "pub"), lambda p: connack(v, pr=p),
                dict(extra=[R(PUBLISH), S(pid_ack(v, PUBACK))], exit=0, err=None,
                     after=[disc_ok(v)]))
    if label == "publish":
        return (st_sub(v), lambda p: publish(v, qos=1, pid=8, pr=p),
                dict(exit=0, err=None, after=[ack_forms(v, PUBACK, 8), disc_ok(v)],
                     out=b"x\n"))
    if label == "puback":
        return (st_pub(v, 1), lambda p: (lambda c: ack(v, PUBACK, c["pid"], 0, p)),
                dict(exit=0, err=None, after=[disc_ok(v)]))
    if label == "pubrec":
        return (st_pub(v, 2), lambda p: (lambda c: ack(v, PUBREC, c["pid"], 0, p)),
                dict(exit=None))
    if label == "pubcomp":
        return (st_pubrel(v), lambda p: (lambda c: ack(v, PUBCOMP, c["pid"], 0, p)),
                dict(exit=0, err=None, after=[disc_ok(v)]))
    if label == "pubrel":
        return (st_sub_rel(v), lambda p: ack(v, PUBREL, 7, 0, p) + publish(v, payload=b"end"),
                dict(exit=0, err=None, after=[ack_forms(v, PUBCOMP, 7), disc_ok(v)],
                     out=b"x\nend\n"))
    if label == "suback":
        return (st_sub_wait(v), lambda p: (lambda c: suback(v, c["pid"], [1], p)),
                dict(exit=None))
    if label == "disconnect":
        return (st_sub(v), lambda p: disconnect(v, 0x8B, p),
                dict(exit=1, err=r"broker|disconnect|shut", args=["--no-reconnect"]))
    raise KeyError(label)


CTX_TYPE = {"connack": CONNACK, "publish": PUBLISH, "puback": PUBACK,
            "pubrec": PUBREC, "pubcomp": PUBCOMP, "pubrel": PUBREL,
            "suback": SUBACK, "disconnect": DISCONNECT}


def bad_values(pid):
    """Invalid values of one property: (name, encoded property)."""
    k = PKIND[pid]
    out = []
    if k == "b":
        out += [("2", bytes([pid, 2])), ("ff", bytes([pid, 0xFF]))]
    if pid in (0x21, 0x23):
        out.append(("0", bytes([pid]) + u16(0)))     # must not be 0
    if pid == 0x27:
        out.append(("0", bytes([pid]) + u32(0)))
    if pid == 0x0B:
        out += [("0", bytes([pid, 0])), ("vbi5", bytes([pid]) + b"\xff\xff\xff\xff\x7f"),
                ("nonminimal", bytes([pid, 0x85, 0x00]))]
    if k in ("str", "pair"):
        bad = [("nul", b"a\x00"), ("badutf8", b"\xff"), ("surrogate", b"\xed\xb0\x80")]
        for n, b in bad:
            if k == "str":
                out.append((n, bytes([pid]) + s(b)))
            else:
                out.append((n + "-key", bytes([pid]) + s(b) + s(b"v")))
                out.append((n + "-value", bytes([pid]) + s(b"k") + s(b)))
    if pid == 0x08:
        out += [("wildcard", bytes([pid]) + s(b"a/#")), ("empty", bytes([pid]) + s(b""))]
    # Truncated value: the property runs past the property length.
    full = prop(pid)
    if len(full) > 2:
        out.append(("short", full[:-1]))
    return out


def gen_props(cases):
    """5.0 properties: unknown, misplaced, repeated, bad values, bad
    lengths, and every allowed one with a valid value (controls)."""
    v = V5
    for label, t in CTX_TYPE.items():
        state, build, ok = v5_ctx(label)
        allowed = ALLOWED[t]

        def bad(name, pr, **kw):
            mk(cases, "prop-%s-%s" % (label, name), v, state, build(pr), exit=1, **kw)
        for pid in UNKNOWN_PIDS:
            bad("unknown-%02x" % pid, props(bytes([pid, 0])))
        for pid in sorted(set(PKIND) - allowed):
            bad("misplaced-%s" % PNAME[pid], props(prop(pid)))
        for pid in sorted(allowed):
            if pid == 0x26 or (pid == 0x0B and t == PUBLISH):
                continue      # repeatable
            bad("repeated-%s" % PNAME[pid], props(prop(pid), prop(pid)))
            for n, enc in bad_values(pid):
                bad("%s-%s" % (PNAME[pid], n), props(enc))
        # Property Length defects (§2.2.2.1).
        bad("len-overrun", b"\x20" + prop(0x1F))
        bad("len-vbi5", b"\x80\x80\x80\x80\x01")
        bad("len-nonminimal", b"\x80\x00")
        # Controls: each allowed property alone, then all of them.
        if ok.get("exit") is None:
            continue
        okkw = dict(ok)
        extra = okkw.pop("extra", None)
        for pid in sorted(allowed):
            if label == "connack" and pid in (0x15, 0x16):
                continue      # Authentication Method: we never asked (below)
            if label == "publish" and pid == 0x23:
                continue      # Topic Alias: we allow none (below)
            if label == "connack" and pid == 0x24:
                val = 1       # Maximum QoS 1: our QoS 1 still fits
            elif label == "connack" and pid == 0x25:
                val = 0       # Retain Available 0: we do not retain
            elif label == "connack" and pid == 0x13:
                val = 30
            elif label == "connack" and pid == 0x27:
                val = 1000
            else:
                val = None
            kw = dict(okkw)
            if extra:
                kw["extra"] = list(extra)
            mk(cases, "prop-%s-ok-%s" % (label, PNAME[pid]), v, state,
               build(props(prop(pid, val))), **kw)
        kw = dict(okkw)
        if extra:
            kw["extra"] = list(extra)
        mk(cases, "prop-%s-ok-users" % label, v, state,
           build(props(prop(0x26), prop(0x26, s("k") + s("v2")), prop(0x26, s("é") + s("")))), **kw)
    # Two Subscription Identifiers in one PUBLISH are fine (§3.3.2.3.8).
    state, build, ok = v5_ctx("publish")
    mk(cases, "prop-publish-ok-two-subids", v, state,
       build(props(prop(0x0B, 1), prop(0x0B, 268435455))), **ok)
    # Topic aliases: we announce Topic Alias Maximum 0 (none) [MQTT-3.3.2-8/9].
    mk(cases, "alias-never-set", v, st_sub(v),
       publish(v, topic=b"", qos=1, pid=8, pr=props(prop(0x23, 1))), exit=1,
       err=PROTO)
    mk(cases, "alias-with-topic", v, st_sub(v),
       publish(v, qos=1, pid=8, pr=props(prop(0x23, 1))), exit=1)
    mk(cases, "alias-set-then-used", v, st_sub(v, count=2),
       publish(v, qos=0, pr=props(prop(0x23, 2))) + publish(v, topic=b"", pr=props(prop(0x23, 2))),
       exit=1, out=None)


def gen_connack(cases, v):
    """CONNACK return codes (3.1.1 §3.2.2.3, 5.0 §3.2.2.2)."""
    if v == V311:
        refusals, invalid = [1, 2, 3, 4, 5], [6, 0x7F, 0x80, 0xFF]
    else:
        refusals = [0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
                    0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F]
        invalid = [0x01, 0x02, 0x10, 0x7F, 0x8B, 0x8E, 0x92, 0xA0, 0xFF]
    for tool in ("pub", "sub"):
        for rc in refusals:
            mk(cases, "connack-refused-%02x" % rc, v, st_connect(v, tool),
               connack(v, rc=rc), exit=3, err=r"refused", after=[])
        for rc in invalid:
            mk(cases, "connack-invalid-rc-%02x" % rc, v, st_connect(v, tool),
               connack(v, rc=rc), exit=1)
        for fl in (0x02, 0x80, 0xFE, 0xFF):
            mk(cases, "connack-ackflags-%02x" % fl, v, st_connect(v, tool),
               frame(0x20, bytes([fl, 0]) + (props() if v == V5 else b"")), exit=1)


def gen_fallback(cases):
    """No -V: a broker that refuses MQTT 5 (a 3.1.1 CONNACK with return
    code 1, a 5.0 CONNACK 0x84, or a close before any CONNACK) is
    connected to again at once with 3.1.1, which must then work; with an
    option that needs MQTT 5, or with -V 5, it is an error (exit 3)."""
    v311_refusal = b"\x20\x02\x00\x01"
    first = {"311-connack": [R(CONNECT), S(v311_refusal)],
             "connack-84": [R(CONNECT), S(connack(V5, rc=0x84))],
             "closed": [R(CONNECT), ("close",)]}
    for label, conn1 in first.items():
        conn1 = [("recv", CONNECT, 5)] + conn1[1:]
        pub2 = [("recv", CONNECT, 4), S(connack(V311)), R(PUBLISH),
                S(pid_ack(V311, PUBACK))]
        cases.append(Case("fallback-" + label, V311, "pub", [conn1, pub2], exit=0,
                          err=None, after=[disc_ok(V311)], auto=True))
        sub2 = [("recv", CONNECT, 4), S(connack(V311)), R(SUBSCRIBE),
                S(sub_ok(V311)), S(publish(V311, payload=b"hi"))]
        cases.append(Case("fallback-" + label, V311, "sub", [conn1, sub2], exit=0,
                          err=None, after=[disc_ok(V311)], out=b"hi\n", auto=True))
    # A broker that accepted 5.0 and then closes before CONNACK is going
    # down, not refusing the version: still 5.0 on the next link.
    cases.append(Case("no-fallback-after-v5", V5, "pub", [
        [("recv", CONNECT, 5), S(connack(V5)), R(PUBLISH), ("close",)],
        [("recv", CONNECT, 5), ("close",)],
        [("recv", CONNECT, 5), S(connack(V5)), R(PUBLISH), S(pid_ack(V5, PUBACK))]],
        exit=0, err=r"^mqpub: connection lost: connection closed by peer( \(another client with the same client id may have taken the session over\))?; reconnecting$",
        lines=2, after=[disc_ok(V5)], auto=True))
    for tool in ("pub", "sub"):
        mk(cases, "no-v5-asked", V5, st_connect(V5, tool), v311_refusal, exit=3,
           err=r"refused.*does not support MQTT 5", after=[])
        cases.append(Case("fallback-needs-v5", V311, tool,
                          [[R(CONNECT), S(v311_refusal)]], exit=3,
                          err=r"does not support MQTT 5.*--session-expiry", after=[],
                          args=["-x", "60"], auto=True))
    # mqpub --request: MQTT 5 only, never a fall back without its properties
    cases.append(Case("fallback-needs-v5-request", V311, "pub",
                      [[R(CONNECT), S(v311_refusal)]], exit=3,
                      err=r"does not support MQTT 5.*--request", after=[],
                      args=["--request"], auto=True))


def gen_qos2_as_qos1(cases, v):
    """A broker that grants QoS 1 for QoS 2 (RabbitMQ before 3.13) answers
    PUBLISH with PUBACK: delivered, one warning; --strict: an error."""
    mk(cases, "qos2-puback", v, st_pub(v, 2), pid_ack(v, PUBACK), exit=0,
       err=r"acknowledged QoS 2 as QoS 1: duplicates are possible",
       after=[disc_ok(v)])
    mk(cases, "qos2-puback-strict", v, st_pub(v, 2), pid_ack(v, PUBACK), exit=1,
       args=["--strict"])
    # A SUBACK granting QoS 1 for QoS 2: said once with -v, silent without.
    granted1 = ("sub", 2, 1, [R(CONNECT), S(connack(v)), R(SUBSCRIBE), S(sub_ok(v, [1]))])
    mk(cases, "suback-lower-qos-verbose", v, granted1, publish(v, payload=b"x"), exit=0,
       err=r"granted QoS 1, not 2", after=[disc_ok(v)], out=b"t x\n", args=["-v"])
    mk(cases, "suback-lower-qos", v, granted1, publish(v, payload=b"x"), exit=0,
       err=None, after=[disc_ok(v)], out=b"x\n")


def gen_disconnect(cases):
    """5.0 DISCONNECT from the server (§3.14): exit 1, named, no reconnect
    for malformed / protocol error / not authorized / taken over."""
    v = V5
    for rc in (0x81, 0x82, 0x87, 0x8E):
        mk(cases, "disconnect-final-%02x" % rc, v, st_sub(v), disconnect(v, rc),
           exit=1, err=r"broker|disconnect|session", after=[])
        mk(cases, "disconnect-final-%02x-pub" % rc, v, st_pub(v, 1), disconnect(v, rc),
           exit=1, err=r"broker|disconnect|session", after=[])
    for rc in (0x00, 0x04, 0x80, 0x89, 0x8B, 0x9C, 0xA2):
        mk(cases, "disconnect-%02x" % rc, v, st_sub(v), disconnect(v, rc),
           exit=1, err=r"broker|disconnect|session", after=[], args=["--no-reconnect"])
    for rc in (0x01, 0x10, 0x84, 0x92, 0xFF):
        mk(cases, "disconnect-invalid-%02x" % rc, v, st_sub(v), disconnect(v, rc),
           exit=1, after=[], args=["--no-reconnect"])
    mk(cases, "disconnect-reason-string", v, st_sub(v),
       disconnect(v, 0x82, props(prop(0x1F, b"go away"))), exit=1,
       err=r"broker|disconnect|protocol", after=[])


def gen_error_reasons(cases, v):
    """What the client says when it closes on the broker's error: under
    5.0 a DISCONNECT with the reason code (§4.13), pinned here byte for
    byte; under 3.1.1 nothing (its DISCONNECT is a normal one, and would
    make the broker drop the will)."""
    def said(rc):
        return [{bytes([0xE0, 1, rc])}] if v == V5 else []
    # QoS 3 [MQTT-3.3.1-4]: malformed packet.
    mk(cases, "reason-malformed", v, st_sub(v),
       lambda c: frame(0x36, split(publish(v, qos=1, pid=5))[1]), exit=1, after=said(0x81))
    # A second CONNACK [MQTT-3.2.0-2 / 5.0 §3.2]: protocol error.
    mk(cases, "reason-protocol", v, st_sub(v), connack(v), exit=1, after=said(0x82))
    if v == V5:
        # An alias we never allowed (Topic Alias Maximum 0): alias invalid.
        mk(cases, "reason-alias", v, st_sub(v),
           publish(v, topic=b"", qos=1, pid=8, pr=props(prop(0x23, 1))), exit=1,
           after=said(0x94))


def gen_huge(cases, v):
    """A 256 MB remaining length: the header, then the link stays open.
    The client must not try to buffer it: peak RSS stays small, and it
    ends (refusing it, or at -W)."""
    for label, state, first in (("connack", st_connect(v, "sub"), 0x20),
                                ("publish", st_sub(v), 0x30),
                                ("puback", st_pub(v, 1), 0x40)):
        mk(cases, "huge-%s" % label, v, state, bytes([first]) + b"\xff\xff\xff\x7f",
           exit={1, 5}, err=r"too large|timed out|malformed|packet",
           rss_kb=16 * 1024, wait=2, after=None)
        # ... and then a megabyte of it.
        mk(cases, "huge-%s-1mb" % label, v, state,
           bytes([first]) + b"\xff\xff\xff\x7f" + (b"\x00\x01t" + b"x" * (1 << 20)),
           exit={1, 5}, err=r"too large|timed out|malformed|packet",
           rss_kb=16 * 1024, wait=2, after=None)


def gen_controls(cases, v):
    """Valid exchanges that must succeed, byte for byte."""
    # mqpub QoS 1: PUBACK, then DISCONNECT.
    mk(cases, "ok-pub-qos1", v, st_pub(v, 1), pid_ack(v, PUBACK), exit=0, err=None,
       after=[disc_ok(v)])
    # mqpub QoS 2: PUBREC -> PUBREL id -> PUBCOMP -> DISCONNECT.
    mk(cases, "ok-pub-qos2", v, st_pub(v, 2), pid_ack(v, PUBREC), exit=0, err=None,
       after=[disc_ok(v)], extra=[R(PUBREL), S(pid_ack(v, PUBCOMP))])
    # PUBREC repeated: PUBREL again, never the PUBLISH.
    mk(cases, "ok-pub-qos2-pubrec-twice", v, st_pubrel(v), pid_ack(v, PUBREC),
       exit=0, err=None, extra=[R(PUBREL), S(pid_ack(v, PUBCOMP))],
       after=[disc_ok(v)])
    # Reconnect between PUBREC and PUBCOMP with a kept session: PUBREL, not
    # PUBLISH [MQTT-4.4.0-1].
    script = [[R(CONNECT), S(connack(v)), R(PUBLISH), S(pid_ack(v, PUBREC)), R(PUBREL), ("close",)],
              [R(CONNECT), S(connack(v, sp=1)), R(PUBREL), S(pid_ack(v, PUBCOMP))]]
    cases.append(Case("ok-reconnect-pubrel", v, "pub", script, exit=0, err=r"reconnecting",
                      after=[disc_ok(v)], qos=2, args=["-c", "--reconnect-min", "50"] +
                      (["-x", "60"] if v == V5 else []), reconnect_ok=True))
    # ... and with the session lost: the message goes again as new.
    script = [[R(CONNECT), S(connack(v)), R(PUBLISH), S(pid_ack(v, PUBREC)), R(PUBREL), ("close",)],
              [R(CONNECT), S(connack(v, sp=0)), R(PUBLISH), S(pid_ack(v, PUBREC)), R(PUBREL),
               S(pid_ack(v, PUBCOMP))]]
    cases.append(Case("ok-reconnect-session-lost", v, "pub", script, exit=0, err=r"reconnecting",
                      after=[disc_ok(v)], qos=2, args=["-c", "--reconnect-min", "50"] +
                      (["-x", "60"] if v == V5 else []), reconnect_ok=True))
    # PUBACK before the broker closed: QoS 1 re-sent with DUP on reconnect.
    script = [[R(CONNECT), S(connack(v)), R(PUBLISH), ("close",)],
              [R(CONNECT), S(connack(v, sp=1)), R(PUBLISH), S(pid_ack(v, PUBACK))]]
    cases.append(Case("ok-reconnect-dup", v, "pub", script, exit=0, err=r"reconnecting",
                      after=[disc_ok(v)], qos=1, args=["-c", "--reconnect-min", "50"] +
                      (["-x", "60"] if v == V5 else []), reconnect_ok=True))
    # mqsub QoS 0/1/2 deliveries, exact acks.
    mk(cases, "ok-sub-qos0", v, st_sub(v), publish(v, payload=b"m0"), exit=0, err=None,
       after=[disc_ok(v)], out=b"m0\n")
    mk(cases, "ok-sub-qos1", v, st_sub(v), publish(v, qos=1, pid=0x1234, payload=b"m1"),
       exit=0, err=None, after=[ack_forms(v, PUBACK, 0x1234), disc_ok(v)], out=b"m1\n")
    mk(cases, "ok-sub-qos1-id-ffff", v, st_sub(v), publish(v, qos=1, pid=0xFFFF),
       exit=0, err=None, after=[ack_forms(v, PUBACK, 0xFFFF), disc_ok(v)], out=b"x\n")
    mk(cases, "ok-sub-qos2", v, st_sub(v, qos=2, count=2),
       publish(v, qos=2, pid=7, payload=b"a"), exit=0, err=None,
       extra=[R(PUBREC), S(ack(v, PUBREL, 7)), R(PUBCOMP), S(publish(v, payload=b"b"))],
       after=[disc_ok(v)], out=b"a\nb\n")
    # A QoS 2 message sent twice before PUBREL is delivered once.
    mk(cases, "ok-sub-qos2-dup", v, st_sub(v, qos=2, count=2),
       publish(v, qos=2, pid=7, payload=b"a") + publish(v, qos=2, pid=7, payload=b"a", dup=1)
       + ack(v, PUBREL, 7) + publish(v, payload=b"b"), exit=0, err=None,
       after=[ack_forms(v, PUBREC, 7), ack_forms(v, PUBREC, 7), ack_forms(v, PUBCOMP, 7),
              disc_ok(v)], out=b"a\nb\n")
    # Many messages in one segment, ids interleaved.
    burst = b"".join(publish(v, qos=1 + (i % 2), pid=100 + i, payload=b"%d" % i) for i in range(10))
    mk(cases, "ok-sub-burst", v, st_sub(v, qos=2, count=10), burst, exit=0, err=None,
       after=None, out=b"".join(b"%d\n" % i for i in range(10)))
    # Byte-at-a-time delivery of CONNACK and a PUBLISH.
    slow = [R(CONNECT)] + [S(bytes([b])) for b in connack(v)] + [R(SUBSCRIBE)]
    slow += [S(sub_ok(v))] + [S(bytes([b])) for b in publish(v, qos=1, pid=3, payload=b"slow")]
    cases.append(Case("ok-sub-byte-at-a-time", v, "sub", [slow], exit=0, err=None,
                      after=[ack_forms(v, PUBACK, 3), disc_ok(v)], out=b"slow\n"))
    # Valid shorter forms of the 5.0 acks, and payloads cut short.
    if v == V5:
        mk(cases, "ok-puback-short", v, st_pub(v, 1), lambda c: frame(0x40, u16(c["pid"])),
           exit=0, err=None, after=[disc_ok(v)])
        mk(cases, "ok-puback-no-props", v, st_pub(v, 1),
           lambda c: frame(0x40, u16(c["pid"]) + b"\x10"), exit=0, err=None, after=[disc_ok(v)])
        mk(cases, "ok-connack-maxqos0-qos1", v, st_connect(v, "pub"),
           connack(v, pr=props(prop(0x24, 0))), exit=6, err=r"QoS", after=None)
        for rc in (0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99):
            mk(cases, "puback-refused-%02x" % rc, v, st_pub(v, 1), pid_ack(v, PUBACK, rc),
               exit=6, err=r"refused", after=[disc_ok(v)])
            # A refused PUBREC ends the exchange: no PUBREL [MQTT-4.3.3].
            mk(cases, "pubrec-refused-%02x" % rc, v, st_pub(v, 2), pid_ack(v, PUBREC, rc),
               exit=6, err=r"refused", after=[disc_ok(v)])
        mk(cases, "pubcomp-not-found", v, st_pubrel(v), pid_ack(v, PUBCOMP, 0x92),
           exit=6, err=r"refused|not found|identifier", after=[disc_ok(v)])
        mk(cases, "ok-disconnect-short", v, st_sub(v), frame(0xE0, b""), exit=1,
           err=r"broker|disconnect|closed", after=[], args=["--no-reconnect"])
        mk(cases, "ok-sub-granted-qos0", v, st_sub_wait(v),
           lambda c: suback(v, c["pid"], [0]), exit=0, err=None,
           extra=[S(publish(v, payload=b"g"))], after=[disc_ok(v)], out=b"g\n")
    for n in (0, 1, 3):
        mk(cases, "ok-short-payload-%d" % n, v, st_sub(v),
           publish(v, qos=1, pid=2, payload=b"hello"[:n]), exit=0, err=None,
           after=[ack_forms(v, PUBACK, 2), disc_ok(v)], out=b"hello"[:n] + b"\n")
    # Unsolicited PINGRESP is harmless.
    mk(cases, "ok-pingresp", v, st_sub(v), pingresp() + publish(v), exit=0, err=None,
       after=[disc_ok(v)], out=b"x\n")
    # Flow control and broker limits (5.0 §3.2.2.3, §4.9).
    if v == V5:
        # Receive Maximum 1: one QoS 1 message in flight at a time.
        steps = [R(CONNECT), S(connack(v, pr=props(prop(0x21, 1)))), R(PUBLISH), ("quiet", 0.3),
                 S(pid_ack(v, PUBACK)), R(PUBLISH), ("quiet", 0.3), S(pid_ack(v, PUBACK)),
                 R(PUBLISH), S(pid_ack(v, PUBACK))]
        cases.append(Case("ok-receive-maximum-1", v, "pub", [steps], exit=0, err=None,
                          after=[disc_ok(v)], args=["-l"], stdin=b"a\nb\nc\n"))
        # Maximum Packet Size below our PUBLISH: never sent.
        mk(cases, "max-packet-too-small", v, st_connect(v, "pub"),
           connack(v, pr=props(prop(0x27, 20))), exit=6, err=r"too large|larger|packet",
           after=None, args=["-m", "y" * 100])
        mk(cases, "retain-not-available", v, st_connect(v, "pub"),
           connack(v, pr=props(prop(0x25, 0))), exit=6, err=r"retain|protocol|not available",
           after=None, args=["-r"])
        mk(cases, "max-qos1-qos2", v, st_connect(v, "pub"),
           connack(v, pr=props(prop(0x24, 1))), exit=6, err=r"QoS", after=None, qos=2)
        # Server Keep Alive 1 overrides ours: a PINGREQ within ~1 s.
        steps = [R(CONNECT), S(connack(v, pr=props(prop(0x13, 1)))), R(SUBSCRIBE),
                 S(sub_ok(v)), R(PINGREQ), S(pingresp() + publish(v, payload=b"k"))]
        cases.append(Case("ok-server-keepalive", v, "sub", [steps], exit=0, err=None,
                          after=[disc_ok(v)], out=b"k\n"))
    # Keepalive: a PINGREQ goes unanswered: give up (exit 1), no hang.
    steps = [R(CONNECT), S(connack(v)), R(SUBSCRIBE), S(sub_ok(v)), R(PINGREQ)]
    cases.append(Case("keepalive-no-pingresp", v, "sub", [steps], exit=1,
                      err=r"keepalive|no reply|ping|timed out|lost", after=None,
                      args=["-k", "1", "--no-reconnect"], out=b""))
    # A QoS 2 id is free again after PUBREL: the next message with it is new.
    mk(cases, "ok-sub-qos2-id-reused", v, st_sub(v, qos=2, count=2),
       publish(v, qos=2, pid=7, payload=b"a") + ack(v, PUBREL, 7) +
       publish(v, qos=2, pid=7, payload=b"b"), exit=0, err=None,
       after=[ack_forms(v, PUBREC, 7), ack_forms(v, PUBCOMP, 7), ack_forms(v, PUBREC, 7),
              disc_ok(v)], out=b"a\nb\n")
    # A large message: the reader grows, then prints it whole.
    big = bytes(range(256)) * 800
    mk(cases, "ok-sub-200k", v, st_sub(v), publish(v, qos=1, pid=6, payload=big),
       exit=0, err=None, after=[ack_forms(v, PUBACK, 6), disc_ok(v)], out=big + b"\n")
    # -W with a silent broker: exit 5.
    mk(cases, "silent-after-suback", v, st_sub(v), None, exit=5, err=r"timed out",
       after=None, wait=1)
    mk(cases, "silent-before-connack", v, st_connect(v, "sub"), None, exit=5,
       err=r"timed out", after=None, wait=1)
    mk(cases, "silent-after-publish", v, st_pub(v, 1), None, exit=5,
       err=r"timed out|not acknowledged", after=None, wait=1)


def all_cases():
    cases = []
    for v in (V311, V5):
        gen_truncation(cases, v)
        gen_overlong(cases, v)
        gen_remlen(cases, v)
        gen_flags(cases, v)
        gen_wrong_state(cases, v)
        gen_ids(cases, v)
        gen_stray_acks(cases, v)
        gen_suback(cases, v)
        gen_topics(cases, v)
        gen_connack(cases, v)
        gen_error_reasons(cases, v)
        gen_huge(cases, v)
        gen_controls(cases, v)
        gen_qos2_as_qos1(cases, v)
    gen_props(cases)
    gen_fallback(cases)
    gen_disconnect(cases)
    import cases_ws     # here: it imports this module
    cases_ws.gen_ws(cases)
    names = set()
    for c in cases:
        assert c.name not in names, c.name
        names.add(c.name)
    return cases
