#!/usr/bin/env python3
"""fake-broker.py MODE - a scripted, misbehaving MQTT server for the Bats tests.

Listens on 127.0.0.1 port 0, prints the real port on stdout, then serves
connections one after another according to MODE:

  silent    accept, read everything, never answer (no CONNACK)
  pingresp  answer CONNECT with a PINGRESP instead of a CONNACK
  garbage   answer CONNECT with a packet of reserved type 0
  oversize  answer CONNECT with a 5-byte remaining length (malformed)
  noack     answer CONNECT with a success CONNACK, never acknowledge PUBLISH
  refuse    answer CONNECT with CONNACK "not authorized" (5 / 0x87)
  v311only  a 3.1.1 broker: an MQTT 5 CONNECT gets the 3.1.1 CONNACK
            "unacceptable protocol version" (1), a 3.1.1 one success

Each received packet's type is logged on stderr.  Runs until killed.
"""
import socket
import sys


def read_packet(conn):
    """Read one MQTT packet; return (first_byte, body) or None on EOF."""
    head = conn.recv(1)
    if not head:
        return None
    mult, length = 1, 0
    for _ in range(4):
        b = conn.recv(1)
        if not b:
            return None
        length += (b[0] & 0x7F) * mult
        if not b[0] & 0x80:
            break
        mult *= 128
    body = b""
    while len(body) < length:
        chunk = conn.recv(length - len(body))
        if not chunk:
            return None
        body += chunk
    return head[0], body


def protocol_level(body):
    """Protocol level byte of a CONNECT body (4 = 3.1.1, 5 = 5.0)."""
    name_len = (body[0] << 8) | body[1]
    return body[2 + name_len]


def connack(level, ok):
    if level >= 5:
        return bytes([0x20, 0x03, 0x00, 0x00 if ok else 0x87, 0x00])
    return bytes([0x20, 0x02, 0x00, 0x00 if ok else 0x05])


def serve(conn, mode):
    while True:
        pkt = read_packet(conn)
        if pkt is None:
            return
        ptype = pkt[0] >> 4
        sys.stderr.write("fake-broker: got packet type %d\n" % ptype)
        sys.stderr.flush()
        if ptype != 1:          # only CONNECT gets an answer
            continue
        if mode == "silent":
            continue
        if mode == "pingresp":
            conn.sendall(bytes([0xD0, 0x00]))
        elif mode == "garbage":
            conn.sendall(bytes([0x00, 0x02, 0x00, 0x00]))
        elif mode == "oversize":
            conn.sendall(bytes([0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]))
        elif mode == "noack":
            conn.sendall(connack(protocol_level(pkt[1]), True))
        elif mode == "refuse":
            conn.sendall(connack(protocol_level(pkt[1]), False))
        elif mode == "v311only":
            v5 = protocol_level(pkt[1]) >= 5
            conn.sendall(bytes([0x20, 0x02, 0x00, 0x01 if v5 else 0x00]))


def main():
    mode = sys.argv[1]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    print(srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        try:
            serve(conn, mode)
        except OSError:
            pass
        finally:
            conn.close()


if __name__ == "__main__":
    main()
