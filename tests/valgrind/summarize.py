#!/usr/bin/env python3
"""summarize.py: reads the memcheck logs of a valgrind run of the integration suite and prints, per
program, the processes run, the errors and the bytes lost; exits 1 when an error or a leak has a
frame in the project's own code (collectord/, common/, mcp-frontend/).

Usage: summarize.py LOG_DIR SOURCE_DIR [TESTLOG_JSON]
TESTLOG_JSON: meson's testlog.json of the run, to list the tests whose checks failed under valgrind.
Log files are named TEST.PROGRAM.PID.log (tests/integration/lib.sh writes them so)."""
import json
import os
import re
import sys

OUR_DIRS = ("collectord", "common", "mcp-frontend")
PREFIX = re.compile(r"^==(\d+)== ?(.*)$")
FRAME = re.compile(r"^\s+(?:at|by) 0x[0-9A-F]+: (.*)$")
FILE_LINE = re.compile(r"\(([^()]*):(\d+)\)$")
LOST = re.compile(r"(definitely|indirectly) lost: ([\d,]+) bytes in ([\d,]+) blocks")
SUMMARY = re.compile(r"ERROR SUMMARY: ([\d,]+) errors from ([\d,]+) contexts \(suppressed: ([\d,]+) from")
USED_SUPP = re.compile(r"^--\d+-- used_suppression:\s+(\d+) (\S+) ")
LEAK_RECORD = re.compile(r"^[\d,]+ (?:\([\d,]+ direct, [\d,]+ indirect\) )?bytes in [\d,]+ blocks are "
                         r"(definitely|indirectly) lost")


def number(text):
    return int(text.replace(",", ""))


def our_frame(frame, src):
    """True when a frame's source file is one of ours (memcheck runs with --fullpath-after=)."""
    m = FILE_LINE.search(frame)
    if not m:
        return False
    path = os.path.normpath(m.group(1))
    rel = os.path.relpath(path, src) if os.path.isabs(path) else path
    return rel.split(os.sep)[0] in OUR_DIRS


def blocks(lines):
    """The log's messages: runs of lines between blank '==PID==' lines."""
    block = []
    for line in lines:
        m = PREFIX.match(line)
        if not m:
            continue  # '--PID--' notes (unhandled bpf commands) and the like
        if m.group(2).strip() == "":
            if block:
                yield block
            block = []
        else:
            block.append(m.group(2))
    if block:
        yield block


def read_log(path, src):
    with open(path, errors="replace") as f:
        lines = f.read().splitlines()
    log = {"finished": False, "errors": 0, "suppressed": 0, "definite": 0, "indirect": 0,
           "ours": [], "other": [], "used": {}}
    for line in lines:  # -s: which suppressions matched, how often
        m = USED_SUPP.match(line)
        if m:
            log["used"][m.group(2)] = log["used"].get(m.group(2), 0) + int(m.group(1))
    for block in blocks(lines):
        head = block[0]
        if log["finished"]:
            continue  # -s lists the errors again after the first summary
        for text in block:
            m = SUMMARY.search(text)
            if m:
                log["finished"] = True
                log["errors"] = number(m.group(1))
                log["suppressed"] = number(m.group(3))
            m = LOST.search(text)
            if m:
                log["definite" if m.group(1) == "definitely" else "indirect"] = number(m.group(2))
        frames = [FRAME.match(t).group(1) for t in block if FRAME.match(t)]
        is_error = LEAK_RECORD.match(head) or (frames and not head.startswith(("Command:", "HEAP SUMMARY")))
        if not is_error or head.startswith(("Process terminating", "Memcheck,", "LEAK SUMMARY", "Warning:")):
            continue
        kind = "ours" if any(our_frame(fr, src) for fr in frames) else "other"
        log[kind].append(block)
    return log


def test_results(path):
    """One line on meson's verdicts: the tests that failed or timed out under valgrind."""
    results = {}
    with open(path) as f:
        for line in f:
            t = json.loads(line)
            results[t["name"].split(" / ")[-1]] = t["result"]
    bad = sorted(n for n, r in results.items() if r not in ("OK", "SKIP", "EXPECTEDFAIL"))
    ok = sum(1 for r in results.values() if r == "OK")
    return f"tests under valgrind: {ok} passed, {len(bad)} failed or timed out" + (f" ({', '.join(bad)})" if bad else "")


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: summarize.py LOG_DIR SOURCE_DIR [TESTLOG_JSON]")
    logdir, src = sys.argv[1], os.path.realpath(sys.argv[2])
    programs = {}
    for name in sorted(os.listdir(logdir)):
        parts = name.split(".")
        if len(parts) != 4 or parts[3] != "log":
            continue
        test, prog = parts[0], parts[1]
        log = read_log(os.path.join(logdir, name), src)
        log["file"], log["test"] = name, test
        programs.setdefault(prog, []).append(log)
    if not programs:
        sys.exit(f"summarize: no memcheck logs in {logdir}")

    cols = ("program", "processes", "leak-checked", "killed", "errors (ours)", "errors (other)",
            "suppressed", "definitely lost", "indirectly lost")
    rows = []
    for prog, logs in sorted(programs.items()):
        done = [lg for lg in logs if lg["finished"]]
        rows.append((prog, len(logs), len(done), len(logs) - len(done),
                     sum(len(lg["ours"]) for lg in logs), sum(len(lg["other"]) for lg in logs),
                     sum(lg["suppressed"] for lg in logs),
                     f'{sum(lg["definite"] for lg in logs)} B', f'{sum(lg["indirect"] for lg in logs)} B'))
    widths = [max(len(str(c)), *(len(str(r[i])) for r in rows)) for i, c in enumerate(cols)]
    print(" | ".join(str(c).ljust(w) for c, w in zip(cols, widths)))
    print("-|-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(str(v).ljust(w) for v, w in zip(r, widths)))
    print("(errors: unsuppressed contexts; suppressed: occurrences; killed: no summary, e.g. kill -9 or a"
          " test's timeout, so no leak check)")
    used = {}
    for logs in programs.values():
        for lg in logs:
            for name, n in lg["used"].items():
                used.setdefault(name, [0, 0])
                used[name][0] += n
                used[name][1] += 1
    for name, (n, procs) in sorted(used.items()):
        print(f"suppression {name}: {n} times in {procs} processes")

    bad = False
    for prog, logs in sorted(programs.items()):
        for lg in logs:
            for kind in ("ours", "other"):
                for block in lg[kind]:
                    bad = bad or kind == "ours"
                    print(f"\n[{kind}] {lg['file']}:")
                    print("\n".join("    " + t for t in block[:60]))
    print()
    if len(sys.argv) == 4 and os.path.exists(sys.argv[3]):
        print(test_results(sys.argv[3]))
    if bad:
        print("memcheck: FAIL: errors or leaks with a frame in collectord/, common/ or mcp-frontend/ (above)")
    else:
        print("memcheck: OK: no error and no leak from the project's own code")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
