#!/usr/bin/env python3
"""checklog.py - check a publisher's QoS 1/2 behaviour in a proxy.py log.

    checklog.py LOG --cid CLIENTID [--complete] [--rst-window MS]

Follows the connections of client CLIENTID in log order and keeps the
packet ids it has in flight (PUBLISH sent, no PUBACK/PUBREC delivered
yet), the ids whose PUBREC was delivered and those it released (PUBREL
sent).  It reports as violations:

  nodup      a PUBLISH re-sent on a later connection of a kept session
             (CONNACK session present) without DUP
  dup-new    a PUBLISH with DUP whose id was not in flight
  changed    a re-sent PUBLISH whose topic and payload differ from the
             original with that id
  same-conn  a PUBLISH re-sent on the connection it was first sent on
  after-rec  a PUBLISH for an id whose PUBREC the client had received
  after-rel  a PUBLISH for an id the client had released with PUBREL
  rel-early  a PUBREL for an id whose PUBREC was never delivered
  open       (with --complete) ids still not completed at the end

What the client received is certain when the proxy closed its side with
FIN after forwarding (the client reads every byte before the end of the
stream).  After an RST cut, or a write that failed, the acknowledgements
forwarded in the last --rst-window ms (default 200) may have been lost, so
their ids may be re-sent or reused either way.

Prints one summary line "key=value ...", then one line per violation;
exit status 1 when there are violations.
"""

import argparse
import sys

ACKS = ("PUBACK", "PUBREC", "PUBCOMP")


def fields(words):
    f = {}
    for w in words:
        if "=" in w:
            k, v = w.split("=", 1)
            f[k] = v
        else:
            f[w] = True
    return f


class Checker:
    def __init__(self, cid, rst_window):
        self.ignore = set()
        self.cid = cid
        self.rst_window = rst_window
        self.conns = set()           # connections of this client
        self.sp = {}                 # connection -> session present
        self.inflight = {}           # id -> {"st", "h", "conn"}
        self.uncertain = set()       # ids whose last ack may not have arrived
        self.recent = {}             # conn -> [(ms, id, chunk)] acks delivered
        self.bad = []
        self.n = dict(conns=0, cuts=0, cuts_bytes=0, cuts_type=0, cuts_now=0,
                      cuts_rst=0, midpacket=0, published=0, resent=0,
                      resent_dup=0, pubrel_resent=0, acks=0, sp0=0)

    def violation(self, kind, ms, conn, text):
        if kind in self.ignore:
            return
        self.bad.append("%s: conn %s at %s: %s" % (kind, conn, ms, text))

    def line(self, ms, conn, ev, rest):
        if ev == "c2s" and rest and rest[0] == "CONNECT":
            f = fields(rest[1:])
            if f.get("cid") == self.cid:
                self.conns.add(conn)
                self.n["conns"] += 1
            return
        if conn not in self.conns:
            return
        if ev == "cut":
            self.on_cut(ms, conn, fields(rest))
        elif ev == "c2s" and rest[0] == "PUBLISH":
            self.on_publish(ms, conn, fields(rest[1:]))
        elif ev == "c2s" and rest[0] == "PUBREL":
            self.on_pubrel(ms, conn, fields(rest[1:]))
        elif ev == "s2c" and rest[0] == "CONNACK":
            f = fields(rest[1:])
            self.sp[conn] = f.get("sp") == "1"
            if not self.sp[conn]:
                self.n["sp0"] += 1
        elif ev == "s2c" and rest[0] in ACKS:
            self.on_ack(ms, conn, rest[0], fields(rest[1:]))
        elif ev == "s2c" and rest[0] == "sendfail":
            chunk = fields(rest[1:]).get("chunk")
            for _, pid, c in self.recent.get(conn, []):
                if c == chunk:
                    self.uncertain.add(pid)
        if ev in ("c2s", "s2c") and fields(rest).get("fwd") == "part":
            self.n["midpacket"] += 1

    def on_cut(self, ms, conn, f):
        self.n["cuts"] += 1
        self.n["cuts_" + f.get("how", "now")] += 1
        if f.get("mode") == "rst":
            self.n["cuts_rst"] += 1
            for t, pid, _ in self.recent.get(conn, []):
                if t >= ms - self.rst_window:
                    self.uncertain.add(pid)

    def on_publish(self, ms, conn, f):
        if "id" not in f:
            return                       # QoS 0, or cut before the id
        pid, dup, h = int(f["id"]), f.get("dup") == "1", f.get("h")
        cur = self.inflight.get(pid)
        unsure = pid in self.uncertain
        self.uncertain.discard(pid)
        if cur is None:
            if dup and not unsure:
                self.violation("dup-new", ms, conn, "PUBLISH id %d has DUP but was not in flight" % pid)
            self.inflight[pid] = {"st": "pub", "h": h, "conn": conn}
            self.n["published"] += 1
            return
        if cur["st"] == "rel" and not dup and unsure:
            # its PUBCOMP may have arrived: a new message reusing the id
            self.inflight[pid] = {"st": "pub", "h": h, "conn": conn}
            self.n["published"] += 1
            return
        if cur["st"] == "rel":
            self.violation("after-rel", ms, conn, "PUBLISH id %d (dup=%d) after the client sent PUBREL %d"
                           % (pid, dup, pid))
            return
        if cur["st"] == "rec" and not unsure:
            self.violation("after-rec", ms, conn, "PUBLISH id %d (dup=%d) after PUBREC %d was delivered"
                           % (pid, dup, pid))
            return
        # a re-send of what is in flight
        if cur["conn"] == conn and not unsure:
            self.violation("same-conn", ms, conn, "PUBLISH id %d sent twice on one connection" % pid)
        self.n["resent"] += 1
        self.n["resent_dup"] += dup
        if self.sp.get(conn) and not dup:
            self.violation("nodup", ms, conn, "PUBLISH id %d re-sent without DUP (session kept)" % pid)
        if h and cur["h"] and h != cur["h"] and not unsure:
            self.violation("changed", ms, conn, "PUBLISH id %d re-sent with other content (%s, was %s)"
                           % (pid, h, cur["h"]))
        if h and not cur["h"]:
            cur["h"] = h
        cur["st"], cur["conn"] = "pub", conn

    def on_pubrel(self, ms, conn, f):
        if "id" not in f:
            return
        pid = int(f["id"])
        cur = self.inflight.get(pid)
        unsure = pid in self.uncertain
        if cur is None or cur["st"] == "pub":
            if not unsure:
                self.violation("rel-early", ms, conn, "PUBREL %d without a PUBREC delivered" % pid)
            if cur is None:
                return
        if cur["st"] == "rel" and cur["conn"] != conn:
            self.n["pubrel_resent"] += 1
        cur["st"], cur["conn"] = "rel", conn

    def on_ack(self, ms, conn, kind, f):
        if f.get("fwd") != "1" or "id" not in f:
            return
        pid = int(f["id"])
        self.n["acks"] += 1
        self.recent.setdefault(conn, []).append((ms, pid, f.get("chunk")))
        if len(self.recent[conn]) > 400:
            del self.recent[conn][:200]
        self.uncertain.discard(pid)
        cur = self.inflight.get(pid)
        if cur is None:
            return
        if kind == "PUBACK" or kind == "PUBCOMP":
            del self.inflight[pid]
        elif kind == "PUBREC" and cur["st"] == "pub":
            cur["st"] = "rec"

    def finish(self, complete):
        if complete and self.inflight:
            ids = sorted(self.inflight)
            self.violation("open", "end", "-", "%d ids never completed: %s" % (len(ids), ids[:20]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("log")
    ap.add_argument("--cid", required=True)
    ap.add_argument("--complete", action="store_true",
                    help="the client finished: nothing may be left in flight")
    ap.add_argument("--rst-window", type=int, default=200)
    ap.add_argument("--ignore", action="append", default=[],
                    help="a violation kind not to report (repeatable)")
    a = ap.parse_args()
    ck = Checker(a.cid, a.rst_window)
    ck.ignore = set(a.ignore)
    with open(a.log, errors="replace") as f:
        for raw in f:
            w = raw.split()
            if len(w) < 3 or not w[0].isdigit() or not w[1].isdigit():
                continue
            ck.line(int(w[0]), int(w[1]), w[2], w[3:])
    ck.finish(a.complete)
    print(" ".join("%s=%s" % kv for kv in ck.n.items()) + " violations=%d" % len(ck.bad))
    for b in ck.bad[:40]:
        print(b)
    if len(ck.bad) > 40:
        print("... and %d more" % (len(ck.bad) - 40))
    return 1 if ck.bad else 0


if __name__ == "__main__":
    sys.exit(main())
