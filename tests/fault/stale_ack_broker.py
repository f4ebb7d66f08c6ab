#!/usr/bin/env python3
"""stale_ack_broker.py KIND - a one-client fake MQTT 5 broker on 127.0.0.1.

Prints its port.  Right after CONNACK it sends one acknowledgement KIND
(PUBACK, PUBREC or PUBCOMP) for packet id 999, which the client never
used, as mosquitto does after restarting from a stale autosave (seen in a
kill -9 test: "PUBREC id 1115" for a message completed long before).
Then it answers the client's QoS 1/2 flow normally, until DISCONNECT.
The client should ignore a stray PUBACK/PUBCOMP and answer a stray PUBREC
with PUBREL (reason 0x92 under MQTT 5.0, §3.6.2.1), and go on.
"""
import socket
import struct
import sys

KIND = {"PUBACK": 0x40, "PUBREC": 0x50, "PUBCOMP": 0x70}[sys.argv[1]]


def packets(sock):
    """Yield (first byte, body) for each packet the client sends."""
    buf = b""
    while True:
        while len(buf) >= 2:
            rl, mul, i = 0, 1, 1
            while i < len(buf) and buf[i] & 0x80:
                rl += (buf[i] & 0x7F) * mul
                mul *= 128
                i += 1
            if i >= len(buf):
                break
            rl += (buf[i] & 0x7F) * mul
            i += 1
            if len(buf) < i + rl:
                break
            yield buf[0], buf[i:i + rl]
            buf = buf[i + rl:]
        data = sock.recv(65536)
        if not data:
            return
        buf += data


def main():
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    print(ls.getsockname()[1], flush=True)
    ls.settimeout(20)
    c, _ = ls.accept()
    c.settimeout(20)
    for head, body in packets(c):
        t = head >> 4
        if t == 1:                                        # CONNECT
            c.sendall(bytes([0x20, 3, 0, 0, 0]))          # CONNACK, no properties
            c.sendall(bytes([KIND, 2]) + struct.pack(">H", 999))
        elif t == 3:                                      # PUBLISH
            qos = (head >> 1) & 3
            tlen = struct.unpack(">H", body[:2])[0]
            pid = body[2 + tlen:4 + tlen]
            if qos:
                c.sendall(bytes([0x40 if qos == 1 else 0x50, 2]) + pid)
        elif t == 6:                                      # PUBREL
            c.sendall(b"\x70\x02" + body[:2])
        elif t == 14:                                     # DISCONNECT
            break


if __name__ == "__main__":
    main()
