#!/usr/bin/env python3
"""json_roundtrip.py - the messages of the mqsub --json round trip.

  gen SEED N FILE      N payloads (random binary, random UTF-8, JSON,
                       control characters, empty), length-prefixed
  pub PORT TOPIC FILE  publish them in order at QoS 1 (MQTT 3.1.1, plain
                       socket), wait for every PUBACK
  check FILE [republished]
                       read JSON lines (mqsub --json, through jq -c .) on
                       stdin; each must give back its payload: the bytes of
                       "payload_base64" or of a "payload" string exactly, a
                       JSON "payload" equal as JSON to the original (and,
                       unless republished by mqpub --json, as long)
"""
import base64
import json
import random
import socket
import struct
import sys
import threading


def rand_utf8(r, n):
    out = []
    for _ in range(n):
        k = r.random()
        if k < 0.5:
            out.append(chr(r.randrange(0x20, 0x7f)))
        elif k < 0.6:
            out.append(chr(r.randrange(0, 0x20)))
        elif k < 0.8:
            out.append(chr(r.randrange(0x80, 0x800)))
        elif k < 0.95:
            c = r.randrange(0x800, 0x10000)
            out.append(chr(c if not 0xD800 <= c < 0xE000 else 0xE000))
        else:
            out.append(chr(r.randrange(0x10000, 0x110000)))
    return "".join(out).encode()


def rand_json(r, depth=0):
    k = r.randrange(7 if depth < 4 else 4)
    if k == 0:
        return r.randrange(-10**6, 10**6)
    if k == 1:
        return r.choice([True, False, None, 0.5, -2.25, 1e10])
    if k == 2:
        return rand_utf8(r, r.randrange(0, 12)).decode()
    if k == 3:
        return r.randrange(100)
    if k == 4:
        return [rand_json(r, depth + 1) for _ in range(r.randrange(4))]
    return {rand_utf8(r, r.randrange(1, 6)).decode(): rand_json(r, depth + 1)
            for _ in range(r.randrange(4))}


def payload(r, i):
    kind = i % 6
    if kind == 0:
        return bytes(r.randrange(256) for _ in range(r.randrange(0, 300)))
    if kind == 1:
        return rand_utf8(r, r.randrange(0, 200))
    if kind == 2:
        v = rand_json(r)
        indent = r.choice([None, 2])
        return json.dumps(v, indent=indent, ensure_ascii=r.random() < 0.5).encode()
    if kind == 3:
        return bytes(r.randrange(0x20) for _ in range(r.randrange(1, 40))) + b'\x7f"\\'
    if kind == 4:
        return b""
    return r.choice([b'"a string"', b"null", b"  [1, 2]\n", b"01", b"{\"a\":}",
                     b"\xef\xbb\xbf{}", b"1.5e3", b"\"\\ud800\""])


def gen(seed, n, path):
    r = random.Random(int(seed))
    with open(path, "wb") as f:
        for i in range(int(n)):
            p = payload(r, i)
            f.write(struct.pack(">I", len(p)) + p)


def load(path):
    data = open(path, "rb").read()
    out, i = [], 0
    while i < len(data):
        (n,) = struct.unpack(">I", data[i:i + 4])
        out.append(data[i + 4:i + 4 + n])
        i += 4 + n
    return out


def remaining(n):
    b = bytearray()
    while True:
        d, n = n % 128, n // 128
        b.append(d | (0x80 if n else 0))
        if not n:
            return bytes(b)


def mqtt_str(s):
    return struct.pack(">H", len(s)) + s


def pub(port, topic, path):
    msgs = load(path)
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=60)
    var = mqtt_str(b"MQTT") + bytes([4, 2]) + struct.pack(">H", 60) + mqtt_str(b"json-roundtrip-pub")
    s.sendall(bytes([0x10]) + remaining(len(var)) + var)
    if s.recv(4)[:2] != b"\x20\x02":
        sys.exit("no CONNACK")
    acks = {"n": 0}

    def reader():
        buf = b""
        while acks["n"] < len(msgs):
            chunk = s.recv(65536)
            if not chunk:
                return
            buf += chunk
            while len(buf) >= 4:
                assert buf[0] == 0x40, buf[:4]
                buf = buf[4:]
                acks["n"] += 1

    t = threading.Thread(target=reader)
    t.start()
    for i, p in enumerate(msgs):
        body = mqtt_str(topic.encode()) + struct.pack(">H", i % 65535 + 1) + p
        s.sendall(bytes([0x32]) + remaining(len(body)) + body)
    t.join(120)
    s.sendall(b"\xe0\x00")
    s.close()
    if acks["n"] != len(msgs):
        sys.exit("only %d of %d acknowledged" % (acks["n"], len(msgs)))


def check(path, republished=None):
    msgs = load(path)
    lines = sys.stdin.buffer.read().splitlines()
    if len(lines) != len(msgs):
        sys.exit("%d lines for %d messages" % (len(lines), len(msgs)))
    kinds = {}
    for i, (line, orig) in enumerate(zip(lines, msgs)):
        o = json.loads(line)
        embedded = "payload" in o and not isinstance(o["payload"], str)
        if o["payload_length"] != len(orig) and not (republished and embedded):
            sys.exit("message %d: payload_length %d, sent %d" % (i, o["payload_length"], len(orig)))
        if "payload_base64" in o:
            got, kind = base64.b64decode(o["payload_base64"]), "base64"
        elif isinstance(o["payload"], str):
            got, kind = o["payload"].encode("utf-8", "surrogatepass"), "string"
        else:
            kind = "json"
            if json.loads(orig) != o["payload"]:
                sys.exit("message %d: JSON %r != %r" % (i, o["payload"], orig))
            got = orig
        if got != orig:
            sys.exit("message %d (%s): %r != %r" % (i, kind, got, orig))
        kinds[kind] = kinds.get(kind, 0) + 1
    print(" ".join("%s=%d" % kv for kv in sorted(kinds.items())))


if __name__ == "__main__":
    {"gen": gen, "pub": pub, "check": check}[sys.argv[1]](*sys.argv[2:])
