#!/usr/bin/env python3
# tracing-helper.py: the parts of test-tracing.sh that need CLOCK_MONOTONIC timestamps or the raw wire
# protocol: sample /proc counters, interpolate them at a window's ends, and a subscriber that never reads.
import json
import os
import select
import socket
import struct
import sys
import time

MONO = time.CLOCK_MONOTONIC


def ctxt():
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("ctxt "):
                return int(line.split()[1])
    raise RuntimeError("no ctxt in /proc/stat")


def schedstat(pid, field):
    """/proc/PID/schedstat: 0 sum_exec_runtime, 1 run_delay (ns)."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[field])
    except OSError:
        return None


def sample(out, seconds, pids):
    """Every 10 ms: CLOCK_MONOTONIC ns, /proc/stat ctxt, each pid's sum_exec_runtime (key PID) and
    run_delay (key PID.wait)."""
    end = time.clock_gettime_ns(MONO) + int(float(seconds) * 1e9)
    with open(out, "w", buffering=1) as f:  # line by line: a reader may stop it early
        while time.clock_gettime_ns(MONO) < end:
            # the counters are read between two clock reads: their midpoint is when
            t0 = time.clock_gettime_ns(MONO)
            row = {"ctxt": ctxt()}
            for p in pids:
                row[p] = schedstat(p, 0)
                row[p + ".wait"] = schedstat(p, 1)
            row["t"] = (t0 + time.clock_gettime_ns(MONO)) // 2
            f.write(json.dumps(row) + "\n")
            time.sleep(0.01)


def interp(path, start, end, key):
    """The counter's growth from start to end (ns), interpolated between samples."""
    rows = [json.loads(l) for l in open(path)]
    rows = [r for r in rows if r.get(key) is not None]

    def at(t):
        for a, b in zip(rows, rows[1:]):
            if a["t"] <= t <= b["t"]:
                return a[key] + (b[key] - a[key]) * (t - a["t"]) / (b["t"] - a["t"])
        raise SystemExit(f"{t} is outside the samples {rows[0]['t']}..{rows[-1]['t']}")

    print(round(at(int(end)) - at(int(start))))


MAGIC, VERSION = 0x50434D53, 1
HELLO, REPLY, ERROR, SUBSCRIBE, EVENTS = 1, 2, 3, 12, 14
HDR = struct.Struct("<IHHIIII")
BATCH = struct.Struct("<IIQQ")


def send(s, mtype, rid, obj):
    payload = json.dumps(obj).encode()
    s.send(HDR.pack(MAGIC, VERSION, mtype, 0, rid, len(payload), len(payload)) + payload)


def recv(s, timeout):
    r, _, _ = select.select([s], [], [], timeout)
    if not r:
        return None
    d = s.recv(65536)
    if not d:
        return None
    magic, ver, mtype, flags, rid, length, total = HDR.unpack_from(d)
    return mtype, rid, d[HDR.size:]


def slow_subscriber(sock, seconds, rss_pid):
    """Subscribes to everything, reads nothing for `seconds` while watching collectord's RSS, then drains."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sock)
    send(s, HELLO, 1, {"client": "slow-subscriber", "version": "0", "protocol": 1})
    assert recv(s, 5)[0] == HELLO
    send(s, SUBSCRIBE, 2, {})
    m = recv(s, 5)
    assert m and m[0] == REPLY, m
    max_rss = 0
    end = time.time() + float(seconds)
    while time.time() < end:
        with open(f"/proc/{rss_pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    max_rss = max(max_rss, int(line.split()[1]))
        time.sleep(0.1)
    batches = events = dropped = lost = bad = 0
    # drain for a while: the feed keeps flowing, so a quiet moment may never come
    drain_end = time.time() + 3
    while time.time() < drain_end:
        m = recv(s, 1.0)
        if m is None:
            break
        mtype, rid, payload = m
        if mtype != EVENTS or rid != 2:
            continue
        count, rate, d, l = BATCH.unpack_from(payload)
        batches += 1
        events += count
        dropped += d
        lost += l
        off = BATCH.size
        for _ in range(count):  # walk the records by their sizes: they must add up
            rtype, size = struct.unpack_from("<HH", payload, off)
            off += size
        bad += off != len(payload)
    s.close()
    print(json.dumps({"batches": batches, "events": events, "dropped": dropped, "lost_kernel": lost,
                      "bad_batches": bad, "max_rss_kb": max_rss}))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "sample":
        sample(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif cmd == "interp":
        interp(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
    elif cmd == "slowsub":
        slow_subscriber(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        raise SystemExit("usage: tracing-helper.py sample|interp|slowsub ...")
