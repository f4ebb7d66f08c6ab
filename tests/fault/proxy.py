#!/usr/bin/env python3
"""proxy.py - a fault-injecting TCP proxy for MQTT, on 127.0.0.1 only.

    proxy.py --upstream PORT [--log FILE]

Listens on 127.0.0.1 port 0 for clients and on a second port for control,
and prints "PORT CONTROLPORT" as its first line on stdout.  Every client
connection gets its own connection to 127.0.0.1:UPSTREAM and bytes are
forwarded both ways, chunk by chunk, while an MQTT framer per direction
logs every packet.

Control: one command per line on the control port, one reply line each
("ok ..." or "err ...").  Many commands may share one control connection.

    cut [rst]                 close every open connection now
    cut-after N [DIR] [rst]   cut after N more bytes (DIR c2s, s2c or any,
                              the default); the last chunk is forwarded up
                              to the Nth byte, so cuts land mid-packet
    cut-after-type T [DIR] [rst]
                              cut right after forwarding a packet of type T
                              (CONNACK, PUBLISH, PUBACK, PUBREC, ...)
    disarm                    forget an armed cut-after
    pause [DIR] / resume      black hole: stop forwarding (DIR c2s, s2c or
                              any, the default) on open and new connections,
                              without closing anything
    refuse / accept           close new connections as soon as accepted
    stats                     ok conns=N open=N cuts=N armed=0|1 paused=0|1
    wait-cuts K MS            reply once K cuts were done, or after MS ms
    wait-conns K MS           reply once K connections were accepted
    quit                      stop the proxy

A cut closes the broker side at once.  Towards the client it is graceful by
default: what was forwarded is followed by FIN, so the client reads every
byte the log says was forwarded; the client's further bytes are read and
dropped (logged with fwd=0) until it closes.  "rst" resets the client side
instead (SO_LINGER 0), and the client may then miss the last bytes.

Log: one line per event, "MS CONN EVENT ...", MS the wall clock in ms:

    MS C open | open refused | upstream-fail
    MS C c2s PUBLISH qos=1 dup=0 id=5 h=1a2b3c4d len=9 fwd=1 chunk=K
    MS C s2c PUBACK id=5 fwd=1 chunk=K
    MS C s2c sendfail chunk=K      (the packets of chunk K did not go out)
    MS C c2s held bytes=N          (N bytes arrived during a pause)
    MS C cut how=bytes|type|now [type=PUBREC] dir=c2s mode=fin|rst
    MS C close by=client|server|cut

c2s packets are logged when read from the client, before they are
forwarded; s2c packets just before they are written to the client, so the
client cannot react to a packet before its line is in the log.  fwd is 1
(forwarded whole), 0 (dropped by a cut) or "part" (the cut fell inside it).
A packet the cut split may be logged from its first bytes only, with the
fields that were there and "partial".
"""

import argparse
import os
import socket
import struct
import sys
import threading
import time
import zlib

TYPES = {1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC",
         6: "PUBREL", 7: "PUBCOMP", 8: "SUBSCRIBE", 9: "SUBACK",
         10: "UNSUBSCRIBE", 11: "UNSUBACK", 12: "PINGREQ", 13: "PINGRESP",
         14: "DISCONNECT", 15: "AUTH"}
TYPE_NUM = {v: k for k, v in TYPES.items()}
RECV_SIZE = 65536
DRAIN_MS = 3000          # how long a cut client may keep talking to nobody


def now_ms():
    return int(time.time() * 1000)


def varint(buf, pos):
    """MQTT Variable Byte Integer at buf[pos:]: (value, length), (None, 0)
    when incomplete, (-1, 0) when longer than 4 bytes."""
    value = 0
    for i in range(4):
        if pos + i >= len(buf):
            return None, 0
        b = buf[pos + i]
        value |= (b & 0x7F) << (7 * i)
        if not b & 0x80:
            return value, i + 1
    return -1, 0


def describe(head, body, complete, version):
    """Type name and "key=value" fields of one packet (body may be cut)."""
    ptype, flags = head >> 4, head & 0x0F
    name = TYPES.get(ptype, "TYPE%d" % ptype)
    f = []
    try:
        if ptype == 3:
            qos = (flags >> 1) & 3
            f += ["qos=%d" % qos, "dup=%d" % (flags >> 3), "retain=%d" % (flags & 1)]
            tlen = struct.unpack_from(">H", body, 0)[0]
            pos = 2 + tlen
            if qos:
                f.append("id=%d" % struct.unpack_from(">H", body, pos)[0])
                pos += 2
            if complete:
                # h: topic and payload, to tell a re-send from a new message
                payload = payload_of(body, pos, version)
                f.append("h=%08x" % zlib.crc32(body[2:2 + tlen] + b"\0" + payload))
        elif ptype in (4, 5, 6, 7, 8, 9, 10, 11):
            f.append("id=%d" % struct.unpack_from(">H", body, 0)[0])
            if ptype in (4, 5, 6, 7) and len(body) > 2:
                f.append("rc=%d" % body[2])
        elif ptype == 2:
            f += ["sp=%d" % (body[0] & 1), "rc=%d" % body[1]]
        elif ptype == 1:
            f += connect_fields(body)
    except (struct.error, IndexError):
        pass
    if not complete:
        f.append("partial")
    return name, f


def payload_of(body, pos, version):
    """PUBLISH payload: after the properties under MQTT 5 (§3.3.2.3)."""
    if version == 5:
        plen, n = varint(body, pos)
        if plen is None or plen < 0:
            return b""
        pos += n + plen
    return bytes(body[pos:])


def connect_fields(body):
    """Protocol level, clean flag, keepalive and client id (§3.1.2, §3.1.3)."""
    nlen = struct.unpack_from(">H", body, 0)[0]
    pos = 2 + nlen
    level, cflags = body[pos], body[pos + 1]
    keepalive = struct.unpack_from(">H", body, pos + 2)[0]
    pos += 4
    if level == 5:
        plen, n = varint(body, pos)
        pos += n + plen
    idlen = struct.unpack_from(">H", body, pos)[0]
    cid = bytes(body[pos + 2:pos + 2 + idlen]).decode("utf-8", "replace")
    return ["v=%d" % level, "clean=%d" % ((cflags >> 1) & 1),
            "keepalive=%d" % keepalive, "cid=%s" % (cid.replace(" ", "_") or "-")]


class Framer:
    """Splits one direction's byte stream into MQTT packets, keeping
    absolute stream offsets so a cut can be placed relative to them."""

    def __init__(self):
        self.buf = bytearray()
        self.buf_at = 0          # stream offset of buf[0]
        self.broken = False

    def feed(self, chunk):
        """Returns [(start, end, head, body)] for the packets completed by
        chunk, start and end as stream offsets."""
        self.buf += chunk
        out, pos = [], 0
        while not self.broken and pos + 2 <= len(self.buf):
            rl, n = varint(self.buf, pos + 1)
            if rl is None:
                break
            if rl < 0:
                self.broken = True
                break
            end = pos + 1 + n + rl
            if end > len(self.buf):
                break
            out.append((self.buf_at + pos, self.buf_at + end, self.buf[pos],
                        bytes(self.buf[pos + 1 + n:end])))
            pos = end
        if self.broken:
            pos = len(self.buf)
        del self.buf[:pos]
        self.buf_at += pos
        return out

    def pending(self):
        """(start, head, body so far) of a packet begun but not finished."""
        if len(self.buf) < 2:
            return None
        rl, n = varint(self.buf, 1)
        if rl is None or rl < 0:
            return None
        return self.buf_at, self.buf[0], bytes(self.buf[1 + n:])


class Proxy:
    def __init__(self, upstream, logpath):
        self.upstream = upstream
        self.logf = open(logpath, "a", buffering=1) if logpath else None
        self.loglock = threading.Lock()
        self.lock = threading.Condition()      # guards everything below
        self.conns = {}
        self.nconns = 0
        self.ncuts = 0
        self.trigger = None                    # dict: how, n/type, dir, rst
        self.paused = set()                    # directions held
        self.refusing = False
        self.stopping = False
        self.chunk = 0

    def log(self, cid, text):
        if self.logf:
            with self.loglock:
                self.logf.write("%d %d %s\n" % (now_ms(), cid, text))

    # ---------------------------------------------------------- connections

    def accept_loop(self, lsock):
        while not self.stopping:
            try:
                csock, _ = lsock.accept()
            except OSError:
                return
            with self.lock:
                self.nconns += 1
                cid = self.nconns
                refusing = self.refusing
                self.lock.notify_all()
            if refusing:
                self.log(cid, "open refused")
                csock.close()
                continue
            threading.Thread(target=self.start_conn, args=(cid, csock), daemon=True).start()

    def start_conn(self, cid, csock):
        try:
            usock = socket.create_connection(("127.0.0.1", self.upstream), timeout=5)
        except OSError as e:
            self.log(cid, "upstream-fail %s" % e.__class__.__name__)
            csock.close()
            return
        for s in (csock, usock):
            s.settimeout(0.2)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = {"id": cid, "c": csock, "u": usock, "cut": False, "ended": False,
                "drain_until": 0, "version": 4}
        with self.lock:
            self.conns[cid] = conn
        self.log(cid, "open")
        threading.Thread(target=self.pump, args=(conn, "c2s"), daemon=True).start()
        self.pump(conn, "s2c")

    def wait_unpaused(self, conn, d):
        with self.lock:
            while d in self.paused and not conn["cut"] and not self.stopping:
                self.lock.wait(0.1)

    def pump(self, conn, d):
        """Forward one direction until its source ends."""
        src = conn["c"] if d == "c2s" else conn["u"]
        dst = conn["u"] if d == "c2s" else conn["c"]
        framer = Framer()
        sent = [0]                  # stream offset up to which bytes went out
        while True:
            try:
                chunk = src.recv(RECV_SIZE)
            except socket.timeout:
                if conn["cut"] and d == "c2s" and now_ms() > conn["drain_until"]:
                    break
                continue
            except OSError:
                chunk = b""
            if not chunk:
                break
            if d in self.paused:
                self.log(conn["id"], "%s held bytes=%d" % (d, len(chunk)))
            self.wait_unpaused(conn, d)
            self.forward(conn, d, framer, sent, chunk, dst)
        p = framer.pending()
        if p is not None:
            self.log_packet(conn, d, p[0], float("inf"), p[1], p[2], sent[0], False, 0)
        self.finish(conn, d)

    def log_packet(self, conn, d, start, end, head, body, upto, complete, k):
        fwd = "1" if end <= upto else ("0" if start >= upto else "part")
        name, f = describe(head, body, complete, conn["version"])
        if complete:
            f.append("len=%d" % len(body))
        self.log(conn["id"], "%s %s %s fwd=%s chunk=%d" % (d, name, " ".join(f), fwd, k))
        if complete and d == "c2s" and head >> 4 == 1 and len(body) > 8:
            conn["version"] = body[2 + struct.unpack_from(">H", body, 0)[0]]

    def forward(self, conn, d, framer, sent, chunk, dst):
        """Log the packets chunk completes, forward it (or the part before
        an armed cut), then cut if the trigger fired."""
        at = framer.buf_at + len(framer.buf)       # stream offset of chunk
        packets = framer.feed(chunk)
        with self.lock:
            self.chunk += 1
            k = self.chunk
            cut_at, trig = None, None
            if not conn["cut"]:
                cut_at, trig = self.check_trigger(d, at, chunk, packets)
        if conn["cut"] and trig is None:
            limit = 0
        else:
            limit = len(chunk) if cut_at is None else cut_at
        for start, end, head, body in packets:
            self.log_packet(conn, d, start, end, head, body, at + limit, True, k)
        if limit:
            try:
                dst.sendall(chunk[:limit])
                sent[0] = at + limit
            except OSError:
                self.log(conn["id"], "%s sendfail chunk=%d" % (d, k))
        if trig is not None:
            how = trig["how"]
            if how == "type":
                how += " type=" + TYPES[trig["type"]]
            self.cut(conn, how, d, trig["rst"])

    def check_trigger(self, d, at, chunk, packets):
        """Where in chunk an armed cut falls, if it does; consumes it."""
        t = self.trigger
        if t is None or t["dir"] not in ("any", d):
            return None, None
        if t["how"] == "bytes":
            if t["n"] > len(chunk):
                t["n"] -= len(chunk)
                return None, None
            self.trigger = None
            return t["n"], t
        for _, end, head, _ in packets:
            if head >> 4 == t["type"]:
                self.trigger = None
                return end - at, t
        return None, None

    def cut(self, conn, how, d, rst):
        """Close the broker side now; FIN (or RST) the client side."""
        with self.lock:
            if conn["cut"] or conn["ended"]:
                return False
            conn["cut"] = True
            conn["drain_until"] = now_ms() + DRAIN_MS
            self.ncuts += 1
            self.lock.notify_all()
        self.log(conn["id"], "cut how=%s dir=%s mode=%s" % (how, d, "rst" if rst else "fin"))
        try:
            conn["u"].shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        c = conn["c"]
        try:
            if rst:
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                c.shutdown(socket.SHUT_RD)     # wakes the c2s pump, which closes
            else:
                c.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        return True

    def finish(self, conn, d):
        """One direction ended: close its source; the other side follows."""
        with self.lock:
            first = not conn["ended"] and not conn["cut"]
            if d == "c2s" or first:
                conn["ended"] = True
            if d == "s2c" and first:
                conn["cut"] = True      # the client may still talk: drain it
                conn["drain_until"] = now_ms() + DRAIN_MS
        if first:
            self.log(conn["id"], "close by=%s" % ("client" if d == "c2s" else "server"))
        if d == "c2s":
            try:
                conn["u"].shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn["c"].close()
            with self.lock:
                self.conns.pop(conn["id"], None)
                self.lock.notify_all()
        else:
            if first:
                try:
                    conn["c"].shutdown(socket.SHUT_WR)
                except OSError:
                    pass
            conn["u"].close()

    # -------------------------------------------------------------- control

    def command(self, line):
        w = line.split()
        if not w:
            return "err empty"
        cmd, args = w[0], w[1:]
        rst = "rst" in args
        args = [a for a in args if a != "rst"]
        d = "any"
        if args and args[-1] in ("c2s", "s2c", "any"):
            d = args.pop()
        if cmd == "cut":
            with self.lock:
                conns = list(self.conns.values())
            n = sum(1 for c in conns if self.cut(c, "now", "any", rst))
            return "ok %d" % n
        if cmd == "cut-after" and len(args) == 1 and args[0].isdigit() and int(args[0]) > 0:
            with self.lock:
                self.trigger = {"how": "bytes", "n": int(args[0]), "dir": d, "rst": rst}
            return "ok"
        if cmd == "cut-after-type" and len(args) == 1 and args[0].upper() in TYPE_NUM:
            with self.lock:
                self.trigger = {"how": "type", "type": TYPE_NUM[args[0].upper()],
                                "dir": d, "rst": rst}
            return "ok"
        if cmd == "disarm":
            with self.lock:
                self.trigger = None
            return "ok"
        if cmd in ("pause", "resume"):
            with self.lock:
                self.paused = ({"c2s", "s2c"} if d == "any" else {d}) if cmd == "pause" else set()
                self.lock.notify_all()
            self.log(0, cmd if cmd == "resume" else "pause " + d)
            return "ok"
        if cmd in ("refuse", "accept"):
            with self.lock:
                self.refusing = cmd == "refuse"
            self.log(0, cmd)
            return "ok"
        if cmd == "stats":
            return "ok " + self.stats()
        if cmd in ("wait-cuts", "wait-conns") and len(args) == 2 and all(a.isdigit() for a in args):
            want, deadline = int(args[0]), time.monotonic() + int(args[1]) / 1000
            key = "ncuts" if cmd == "wait-cuts" else "nconns"
            with self.lock:
                while getattr(self, key) < want and time.monotonic() < deadline:
                    self.lock.wait(deadline - time.monotonic())
                ok = getattr(self, key) >= want
            return ("ok " if ok else "timeout ") + self.stats()
        if cmd == "quit":
            self.stopping = True
            return "ok"
        return "err unknown command: " + line.strip()

    def stats(self):
        with self.lock:
            return "conns=%d open=%d cuts=%d armed=%d paused=%d" % (
                self.nconns, len(self.conns), self.ncuts,
                self.trigger is not None, bool(self.paused))

    def control_client(self, sock):
        f = sock.makefile("rw", buffering=1, newline="\n")
        try:
            for line in f:
                f.write(self.command(line) + "\n")
                f.flush()
                if self.stopping:
                    os._exit(0)
        except OSError:
            pass
        finally:
            sock.close()

    def control_loop(self, csock):
        while True:
            try:
                s, _ = csock.accept()
            except OSError:
                return
            threading.Thread(target=self.control_client, args=(s,), daemon=True).start()


def main():
    ap = argparse.ArgumentParser(description="fault-injecting MQTT proxy on 127.0.0.1")
    ap.add_argument("--upstream", type=int, required=True, help="broker port on 127.0.0.1")
    ap.add_argument("--log", help="packet log file")
    a = ap.parse_args()
    proxy = Proxy(a.upstream, a.log)
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    csock = socket.socket()
    csock.bind(("127.0.0.1", 0))
    csock.listen(8)
    print(lsock.getsockname()[1], csock.getsockname()[1], flush=True)
    threading.Thread(target=proxy.control_loop, args=(csock,), daemon=True).start()
    try:
        proxy.accept_loop(lsock)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
