#!/usr/bin/env python3
"""gen-corpus.py - write the seed corpora for the fuzz targets.

  tests/fuzz/corpus-reader/   selector byte + valid packets (fuzz_reader.c)
  tests/fuzz/corpus-session/  config byte + operation program (fuzz_session.c)

Small valid packets of every type, both protocol levels, built with the
hostile broker's packet builders.  Deterministic: re-running rewrites the
same files.  Run from anywhere; commit the output.
"""
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hostile"))

from cases import (V311, V5, PUBACK, PUBREC, PUBREL, PUBCOMP, VNAME,  # noqa: E402
                   ack, auth, connack, disconnect, frame, pingresp, prop,
                   props, publish, s, suback, u16, unsuback)


def connect(v, will=False, user=False, pw=False, ka=60, cid=b"c", pr=None):
    flags = 0x02 | (0x04 | 0x08 if will else 0) | (0x80 if user else 0) | (0x40 if pw else 0)
    body = s("MQTT") + bytes([v, flags]) + u16(ka)
    if v == V5:
        body += props(prop(0x11, 60), prop(0x21, 100)) if pr is None else pr
    body += s(cid)
    if will:
        if v == V5:
            body += props(prop(0x18, 5))
        body += s(b"will/t") + s(b"bye")
    if user:
        body += s(b"u")
    if pw:
        body += s(b"p")
    return frame(0x10, body)


def subscribe(v, pid=1, filters=((b"t", 1),)):
    body = u16(pid) + (props(prop(0x0B, 3)) if v == V5 else b"")
    for f, o in filters:
        body += s(f) + bytes([o])
    return frame(0x82, body)


def unsubscribe(v, pid=1, filters=(b"t",)):
    body = u16(pid) + (props() if v == V5 else b"")
    for f in filters:
        body += s(f)
    return frame(0xA2, body)


def packets(v):
    """(name, bytes) of small valid packets, both directions."""
    out = [
        ("connack", connack(v)),
        ("connack-sp", connack(v, sp=1)),
        ("connack-refused", connack(v, rc=5 if v == V311 else 0x87)),
        ("publish-qos0", publish(v)),
        ("publish-qos1", publish(v, qos=1, pid=1)),
        ("publish-qos2-dup-retain", publish(v, qos=2, pid=0x1234, dup=1, retain=1)),
        ("publish-empty", publish(v, payload=b"")),
        ("publish-utf8", publish(v, topic="a/é/😀".encode(), payload=b"p")),
        ("puback", ack(v, PUBACK, 1)),
        ("pubrec", ack(v, PUBREC, 2)),
        ("pubrel", ack(v, PUBREL, 3)),
        ("pubcomp", ack(v, PUBCOMP, 4)),
        ("suback", suback(v, 1, [0, 1, 2, 0x80])),
        ("unsuback", unsuback(v, 1, [0])),
        ("pingresp", pingresp()),
        ("pingreq", frame(0xC0, b"")),
        ("disconnect", disconnect(v)),
        ("connect", connect(v)),
        ("connect-will-user-pw", connect(v, will=True, user=True, pw=True)),
        ("connect-empty-id", connect(v, cid=b"", ka=0)),
        ("subscribe", subscribe(v)),
        ("subscribe-3", subscribe(v, 7, ((b"a/+", 0), (b"#", 2), (b"$SYS/x", 1)))),
        ("unsubscribe", unsubscribe(v)),
        ("unsubscribe-2", unsubscribe(v, 9, (b"a/#", b"+/b"))),
    ]
    if v == V5:
        rs = props(prop(0x1F, b"why"), prop(0x26))
        out += [
            ("connack-props", connack(v, pr=props(prop(0x21, 5), prop(0x22, 3), prop(0x24, 1),
                                                  prop(0x25, 0), prop(0x27, 1000), prop(0x12, b"id"),
                                                  prop(0x13, 30), prop(0x26)))),
            ("publish-props", publish(v, qos=1, pid=5, pr=props(
                prop(0x01, 1), prop(0x02, 60), prop(0x03, b"text/plain"), prop(0x08, b"r/t"),
                prop(0x09, b"\x00\x01"), prop(0x0B, 1), prop(0x0B, 300), prop(0x26)))),
            ("publish-alias", publish(v, topic=b"", pr=props(prop(0x23, 1)))),
            ("puback-reason", ack(v, PUBACK, 1, 0x10)),
            ("puback-props", ack(v, PUBACK, 1, 0x87, rs)),
            ("pubrec-refused", ack(v, PUBREC, 2, 0x80)),
            ("pubcomp-notfound", ack(v, PUBCOMP, 4, 0x92, props())),
            ("suback-props", suback(v, 1, [0x00, 0x9E], rs)),
            ("disconnect-reason", disconnect(v, 0x8B, props(prop(0x1F, b"bye")))),
            ("disconnect-short", disconnect(v, 0x00)),
            ("auth", auth()),
        ]
    return out


def write(d, name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def reader_corpus(d):
    for v in (V311, V5):
        pk = packets(v)
        vb = 1 if v == V5 else 0
        for name, p in pk:
            # whole, no limit / byte at a time, 1024 limit
            write(d, "v%s-%s" % (VNAME[v], name), bytes([vb]) + p)
            write(d, "v%s-%s-bytewise" % (VNAME[v], name), bytes([vb | 0x10 | (5 << 1)]) + p)
        # A whole session's worth in one stream, in 7-byte chunks.
        stream = b"".join(p for _, p in pk)
        write(d, "v%s-stream" % VNAME[v], bytes([vb | 0x70]) + stream)


# fuzz_session.c ops (low nibble of the op byte)
OP_PACKET, OP_PUBLISH, OP_SUBSCRIBE, OP_TICK, OP_WRITE, OP_RECONNECT, OP_CONNACK, OP_CLOSE = \
    0, 4, 6, 7, 9, 11, 12, 13


def pkt(p):
    assert len(p) < 256
    return bytes([OP_PACKET, len(p)]) + p


def session_corpus(d):
    for v in (V311, V5):
        vb = 1 if v == V5 else 0
        conn = 0x40 | vb | (1 << 2) | (3 << 4)     # connected, keepalive 5, window 4
        connecting = vb | 0x02
        W = bytes([OP_WRITE, 0])
        progs = {
            "connack": bytes([connecting]) + W + pkt(connack(v)) + W,
            "pub-qos1": bytes([conn, OP_PUBLISH, 0x01, 3]) + W + pkt(ack(v, PUBACK, 1)) + W,
            "pub-qos2": bytes([conn, OP_PUBLISH, 0x02, 3]) + W + pkt(ack(v, PUBREC, 1)) + W
            + pkt(ack(v, PUBCOMP, 1)) + W,
            "pub-window": bytes([conn]) + bytes([OP_PUBLISH, 0x01, 1]) * 6 + W
            + pkt(ack(v, PUBACK, 2)) + pkt(ack(v, PUBACK, 1)) + W,
            "pub-reconnect": bytes([conn & ~0x02, OP_PUBLISH, 0x02, 3]) + W + pkt(ack(v, PUBREC, 1))
            + bytes([OP_RECONNECT]) + W + bytes([OP_CONNACK, 1]) + W + pkt(ack(v, PUBCOMP, 1)) + W,
            "sub": bytes([conn, OP_SUBSCRIBE, 1]) + W + pkt(suback(v, 1, [0, 1, 2])) + W,
            "sub-msg": bytes([conn, OP_SUBSCRIBE, 0]) + W + pkt(suback(v, 1, [1]))
            + pkt(publish(v, qos=1, pid=9)) + pkt(publish(v, qos=2, pid=10)) + W
            + pkt(ack(v, PUBREL, 10)) + W,
            "keepalive": bytes([conn]) + bytes([OP_TICK, 50]) + W + pkt(pingresp())
            + bytes([OP_TICK, 0x80, OP_TICK, 0x80, OP_TICK, 0x80]) + W,
            "close": bytes([conn, OP_PUBLISH, 0x00, 1, OP_CLOSE]) + W,
            "refused": bytes([connecting]) + W + pkt(connack(v, rc=5 if v == V311 else 0x87)),
        }
        if v == V5:
            progs["disconnect"] = bytes([conn]) + pkt(disconnect(v, 0x8B))
            progs["recvmax"] = bytes([connecting]) + W + bytes([OP_CONNACK, 0x02]) \
                + bytes([OP_PUBLISH, 0x81, 1]) * 3 + W + pkt(ack(v, PUBACK, 1, 0x80)) + W
        for name, b in progs.items():
            write(d, "v%s-%s" % (VNAME[v], name), b)


def main():
    for sub, fn in (("corpus-reader", reader_corpus), ("corpus-session", session_corpus)):
        d = os.path.join(HERE, sub)
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
        fn(d)
        print("%s: %d files" % (sub, len(os.listdir(d))))


if __name__ == "__main__":
    main()
