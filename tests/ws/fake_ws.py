#!/usr/bin/env python3
"""fake_ws.py MODE - a scripted, misbehaving WebSocket MQTT server for
ws.bats (python3 stdlib only).  Listens on 127.0.0.1 port 0, prints the
port, serves one connection after another according to MODE, and writes
what the client sent after the handshake, hex, one line per connection,
to stderr.

  masked    answers CONNECT with a CONNACK in a masked frame (a server
            must not mask)
  rsv       a CONNACK frame with RSV1 set (no extension was agreed)
  text      the CONNACK in a text frame
  close     a CONNACK, then a close frame: 1001 "going away"
  ping      a CONNACK split over a fragmented binary message with a ping
            in between; then waits for the pong and the client's bytes
  accept    a 101 with a wrong Sec-WebSocket-Accept
  noproto   a 101 without Sec-WebSocket-Protocol
  redirect  302 Found, Location: ws://elsewhere/mqtt
  biglen    a frame header claiming 2^62 bytes
"""
import base64
import hashlib
import socket
import sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CONNACK = bytes([0x20, 0x02, 0x00, 0x00])   # 3.1.1, accepted


def frame(opcode, payload, fin=True, rsv=0, mask=None):
    b0 = (0x80 if fin else 0) | rsv | opcode
    n = len(payload)
    head = bytes([b0])
    mbit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mbit | n])
    elif n < 65536:
        head += bytes([mbit | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([mbit | 127]) + n.to_bytes(8, "big")
    if mask:
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        head += mask
    return head + payload


def read_head(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
    return data


def handshake(conn, mode):
    head = read_head(conn)
    if head is None:
        return False
    key = b""
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"sec-websocket-key:"):
            key = line.split(b":", 1)[1].strip()
    if mode == "redirect":
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: ws://elsewhere/mqtt\r\n\r\n")
        return False
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    if mode == "accept":
        accept = base64.b64encode(b"0" * 20)
    resp = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n")
    if mode != "noproto":
        resp += b"Sec-WebSocket-Protocol: mqtt\r\n"
    conn.sendall(resp + b"\r\n")
    return mode not in ("accept", "noproto")


def serve(conn, mode):
    if not handshake(conn, mode):
        return
    conn.recv(4096)   # the CONNECT frame
    if mode == "masked":
        conn.sendall(frame(2, CONNACK, mask=b"\x01\x02\x03\x04"))
    elif mode == "rsv":
        conn.sendall(frame(2, CONNACK, rsv=0x40))
    elif mode == "text":
        conn.sendall(frame(1, CONNACK))
    elif mode == "biglen":
        conn.sendall(bytes([0x82, 127]) + (1 << 62).to_bytes(8, "big"))
    elif mode == "close":
        conn.sendall(frame(2, CONNACK) + frame(8, (1001).to_bytes(2, "big") + b"going away"))
    elif mode == "ping":
        conn.sendall(frame(2, CONNACK[:1], fin=False) + frame(9, b"hi") +
                     frame(0, CONNACK[1:3], fin=False) + frame(0, CONNACK[3:]))
    got = b""
    conn.settimeout(3)
    try:
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                break
            got += chunk
    except OSError:
        pass
    sys.stderr.write(got.hex() + "\n")
    sys.stderr.flush()


def main():
    mode = sys.argv[1]
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    print(srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        try:
            serve(conn, mode)
        finally:
            conn.close()


if __name__ == "__main__":
    main()
