#!/usr/bin/env python3
# make-seeds.py: regenerates the seed corpora of the fuzz targets from this machine and the fixtures.
#
#   tests/fuzz/make-seeds.py BUILD_DIR      (a -Dfuzz=true build; run as root for the perf capture)
#
# Writes tests/fuzz/corpus/NAME/ for every target but wire, jsonrpc and config (hand-made, or
# made by make-wire-seeds). Real captures: /proc/stat, softirqs, meminfo, vmstat, pressure/*,
# net/dev, self/maps, a sample of tracefs' available_events, the sysfs cpu/node tree, perf ring
# records (make-fuzz-seeds perf) and scx_stats replies (from fake-scx-stats). /proc/kallsyms is
# sampled with every address replaced by a made-up one, and perf callchains are scrubbed the
# same way: the repository must not carry a machine's kernel layout. Each seed stays under 64 KiB.
# The input formats are in each fuzz-NAME.c's header comment.
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
FIX = os.path.join(SRC, 'tests', 'fixtures')
SEED_MAX = 64 * 1024
rng = random.Random(8)


def read(path, limit=None):
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError:
        return None
    return data if limit is None else data[:limit]


class Corpus:
    def __init__(self, name):
        self.dir = os.path.join(HERE, 'corpus', name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)

    def add(self, name, data):
        if data is None:
            return
        if isinstance(data, str):
            data = data.encode()
        assert len(data) < SEED_MAX, (self.dir, name, len(data))
        with open(os.path.join(self.dir, name), 'wb') as f:
            f.write(data)


def tree(root, rel_files):
    """NUL-separated PATH=CONTENT records of the files under root (see fuzz-util.h)."""
    out = b''
    for rel in rel_files:
        data = read(os.path.join(root, rel))
        if data is not None and b'\0' not in data:
            out += rel.encode() + b'=' + data + b'\0'
    return out


def files_under(root):
    for d, _, names in os.walk(root):
        for n in sorted(names):
            yield os.path.relpath(os.path.join(d, n), root)


# ---- /proc text ----

def proc_text():
    c = Corpus('procstat')
    c.add('stat-here', read('/proc/stat'))
    c.add('softirqs-here', read('/proc/softirqs'))
    for t in ('t0', 't1'):
        c.add('stat-2socket-' + t, read(f'{FIX}/proc/2socket-smt/{t}/proc/stat'))
        c.add('softirqs-2socket-' + t, read(f'{FIX}/proc/2socket-smt/{t}/proc/softirqs'))
    c.add('stat-no-psi', read(f'{FIX}/proc/no-psi/proc/stat'))

    c = Corpus('meminfo')
    c.add('meminfo-here', read('/proc/meminfo'))
    c.add('vmstat-here', read('/proc/vmstat'))
    c.add('meminfo-2socket', read(f'{FIX}/proc/2socket-smt/t0/proc/meminfo'))
    c.add('vmstat-2socket', read(f'{FIX}/proc/2socket-smt/t0/proc/vmstat'))
    c.add('vmstat-no-psi', read(f'{FIX}/proc/no-psi/proc/vmstat'))

    c = Corpus('psi')
    for r in ('cpu', 'memory', 'io', 'irq'):
        c.add('pressure-here-' + r, read('/proc/pressure/' + r))
        c.add('pressure-2socket-' + r, read(f'{FIX}/proc/2socket-smt/t0/proc/pressure/{r}'))

    c = Corpus('netdev')
    c.add('dev-here', read('/proc/net/dev'))
    c.add('dev-2socket', read(f'{FIX}/proc/2socket-smt/t0/proc/net/dev'))
    c.add('dev-no-psi', read(f'{FIX}/proc/no-psi/proc/net/dev'))
    c.add('dev-empty', 'Inter-|   Receive\n face |bytes\n')

    c = Corpus('procfs')
    c.add('numbers', '18446744073709551615')
    c.add('negative', '-9223372036854775808')
    c.add('list', '  cpu0 1 2 3 18446744073709551615\t4\n')
    c.add('label', 'eth0: 1 2 3\nNET_RX:   10   20\n')
    c.add('stat-line', (read('/proc/stat') or b'').split(b'\n')[0] + b'\n')


# ---- the profiler's text sources ----

def kallsyms():
    """A sample of this machine's /proc/kallsyms, addresses replaced in order by made-up ones."""
    text = read('/proc/kallsyms') or b''
    lines = [l.split(b' ', 2) for l in text.split(b'\n') if l.count(b' ') >= 2]
    if not lines:
        return b''
    pick = lines[:60] + rng.sample(lines[60:], min(140, max(0, len(lines) - 60)))
    fake, out = {}, []
    for addr, kind, rest in sorted(pick, key=lambda l: int(l[0], 16)):
        a = int(addr, 16)
        if a not in fake:
            fake[a] = 0xffffffff81000000 + 0x40 * len(fake) if a else 0
        out.append(b'%016x %s %s' % (fake[a], kind, rest))
    return b'\n'.join(out) + b'\n'


MODULE_SYMS = (b'ffffffffc0001000 t ext4_fill_super\t[ext4]\n'
               b'ffffffffc0001400 T ext4_iget\t[ext4]\n'
               b'ffffffffc0003000 t nft_do_chain\t[nf_tables]\n'
               b'ffffffffc0005000 t bpf_prog_6deef7357e7b4530_sd_fw_egress\t[bpf]\n')
MODULES = (b'ext4 8192 1 - Live 0xffffffffc0001000\n'
           b'nf_tables 4096 0 - Live 0xffffffffc0003000 (E)\n')


def profiler_text():
    here = kallsyms()
    c = Corpus('kallsyms')
    c.add('here-fake-addresses', here + MODULE_SYMS + b'\0' + MODULES)
    c.add('here-no-modules', here)
    c.add('fixture', read(f'{FIX}/profile/proc/kallsyms') + b'\0' + read(f'{FIX}/profile/proc/modules'))

    c = Corpus('procmaps')
    maps = read('/proc/self/maps') or b''
    c.add('self-maps', b'\n'.join(maps.split(b'\n')[:60]) + b'\n')
    ops = struct.pack('<QQQQQ', 0x7f0000001000, 0x3000, 0x2000, 77, 8 << 16 | 1)
    ops += struct.pack('<QQQQQ', 0x7f0000000000, 0x10000, 0, 78, 0)
    c.add('with-mmap2-ops', b'\n'.join(maps.split(b'\n')[:20]) + b'\n\0' + ops)
    c.add('deleted-and-anon',
          '55d0c0a00000-55d0c0a21000 r-xp 00001000 08:01 1311 /usr/bin/app (deleted)\n'
          '7f1c2a000000-7f1c2a200000 r-xp 00000000 00:00 0 [anon:jit]\n'
          '7ffd1a3f3000-7ffd1a3f5000 r-xp 00000000 00:00 0                          [vdso]\n'
          '7f1c2a100000-7f1c2a180000 r-xp 00000000 08:01 99 /lib/libx.so (deleted) (deleted)\n')

    c = Corpus('perfmap')
    c.add('fixture', read(f'{FIX}/profile/tmp/perf-4242.map'))
    c.add('jit', '7f3a40001000 40 Interpreter\n0x7f3a40001040 0x1c0 LazyCompile:~main app.js:1\r\n'
                 '7F3A40001200 10 stub\n7f3a40001200 8 overlapping\nbad line\n7f3a40002000 0 zero\n')


def tracefs():
    events = (read('/sys/kernel/tracing/available_events') or read(
        f'{FIX}/tracefs/basic/sys/kernel/tracing/available_events')).split(b'\n')
    events = [e for e in events if e]
    sample = sorted(set(events[:40] + rng.sample(events, min(300, len(events)))))
    text = b'\n'.join(sample) + b'\n'
    c = Corpus('tracefs')
    c.add('events-all', b'\t\t\t0\t100\n' + text)
    c.add('events-sched', b's\tsched\t\t0\t20\n' + text)
    c.add('events-filter', b'f\t\tswitch\t1\t5\n' + text)
    c.add('events-debugfs', b'dsf\tirq\tentry\t0\t2\n' + text)
    c.add('events-malformed', b'\t\t\t0\t100\n' +
          read(f'{FIX}/tracefs/malformed/sys/kernel/tracing/available_events'))
    funcs = read(f'{FIX}/tracefs/basic/sys/kernel/tracing/available_filter_functions')
    names = [l.split(b' ', 2)[2] for l in kallsyms().split(b'\n') if l.count(b' ') >= 2]
    funcs += b'\n'.join(n + (b' [ext4]' if i % 7 == 0 else b'') for i, n in enumerate(names[:120])) + b'\n'
    c.add('functions', b'k\t\t\t0\t100\n' + funcs)
    c.add('functions-filter', b'kf\t\text4\t0\t10\n' + funcs)
    c.add('functions-unavailable', b'ku\t\t\t0\t10\n' + funcs)
    c.add('functions-malformed', b'k\t\t\t0\t100\n' +
          read(f'{FIX}/tracefs/malformed/sys/kernel/tracing/available_filter_functions'))


# ---- sysfs trees ----

TOPO_FILES = re.compile(r'^(possible|online|present|smt/active|'
                        r'cpu\d+/(online|cpu_capacity|node\d+|'
                        r'topology/(core_id|physical_package_id|die_id|thread_siblings_list)|'
                        r'cache/index\d+/(level|type|shared_cpu_list|id|size)|'
                        r'cpufreq/(scaling_cur_freq|cpuinfo_min_freq|cpuinfo_max_freq|base_frequency)))$')
NODE_FILES = re.compile(r'^node\d+/(cpulist|distance|meminfo)$')


def topology_records(system):
    out = b''
    cpu, node = os.path.join(system, 'cpu'), os.path.join(system, 'node')
    for d, dirs, names in os.walk(cpu, followlinks=False):
        for n in sorted(names + [x for x in dirs if re.match(r'node\d+$', x)]):
            rel = os.path.relpath(os.path.join(d, n), cpu)
            if TOPO_FILES.match(rel):
                data = b'' if re.search(r'/node\d+$', rel) else read(os.path.join(d, n))
                if data is not None:
                    out += b'cpu/' + rel.encode() + b'=' + data + b'\0'
        dirs[:] = [x for x in dirs if re.match(r'(cpu\d+|topology|cache|index\d+|cpufreq|smt)$', x)]
    if os.path.isdir(node):
        for n in sorted(os.listdir(node)):
            for f in ('cpulist', 'distance', 'meminfo'):
                rel = f'{n}/{f}'
                if NODE_FILES.match(rel):
                    data = read(os.path.join(node, rel))
                    if data is not None:
                        meminfo = b'\n'.join(data.split(b'\n')[:3]) + b'\n' if f == 'meminfo' else data
                        out += b'node/' + rel.encode() + b'=' + meminfo + b'\0'
    return out


def sysfs():
    c = Corpus('topology')
    c.add('here', b'\x07' + (read('/sys/devices/system/cpu/online') or b'0').strip() + b'\0' +
          topology_records('/sys/devices/system'))
    for name in sorted(os.listdir(f'{FIX}/topology')):
        system = f'{FIX}/topology/{name}/sys/devices/system'
        if os.path.isdir(system):
            c.add(name, b'\x03' + b'0-3,8\0' + topology_records(system))
    c.add('lists', b'\x05' + b'0-7,9,11-12\n\0')

    c = Corpus('scx')
    texts = (b'SCX_EV_SELECT_CPU_FALLBACK 12\nSCX_EV_DISPATCH_LOCAL_DSQ_OFFLINE 0\nbad\n'
             b'state : enabled\nenable_seq : 3\nops : rusty\n6.12.0-rc1\n')
    for name in sorted(os.listdir(f'{FIX}/scx')):
        root = f'{FIX}/scx/{name}'
        c.add(name, texts + b'\0' + tree(root, files_under(root)))
    here = [p for p in ('proc/sys/kernel/osrelease', 'sys/kernel/sched_ext/state',
                        'sys/kernel/sched_ext/switch_all', 'sys/kernel/sched_ext/enable_seq',
                        'sys/kernel/sched_ext/root/ops', 'sys/kernel/debug/sched/ext')
            if os.path.exists('/' + p)]
    c.add('here', b'6.6\0' + tree('/', here))


# ---- binary and JSON inputs ----

def elf(build):
    c = Corpus('elf')
    fx = os.path.join(build, 'tests', 'fixtures')
    c.add('hotspot-fp', read(f'{fx}/hotspot-fp'))
    c.add('libhotspot-lib.so', read(f'{fx}/libhotspot-lib.so'))
    with tempfile.TemporaryDirectory() as t:
        with open(f'{t}/tiny.c', 'w') as f:
            f.write('int answer(void) { return 42; }\nvoid _start(void) { for (;;) answer(); }\n')
        subprocess.run(['cc', '-O1', '-nostdlib', '-static', '-Wl,--build-id', '-o', f'{t}/tiny',
                        f'{t}/tiny.c'], check=True)
        c.add('tiny', read(f'{t}/tiny'))
        # A stripped file whose .gnu_debuglink names d.debug, the name fuzz-elf gives the
        # second part of its input; the debug file follows the marker.
        shutil.copy(f'{t}/tiny', f'{t}/main')
        subprocess.run(['objcopy', '--only-keep-debug', f'{t}/main', f'{t}/d.debug'], check=True)
        subprocess.run(['strip', '--strip-all', f'{t}/main'], check=True)
        subprocess.run(['objcopy', '--add-gnu-debuglink=d.debug', f'{t}/main'], cwd=t, check=True)
        c.add('stripped-with-debug', read(f'{t}/main') + b'DEBUGELF' + read(f'{t}/d.debug'))


def binary(build):
    tool = os.path.join(build, 'tests', 'fuzz', 'make-fuzz-seeds')
    for name in ('perf', 'events'):
        c = Corpus(name)
        subprocess.run([tool, name, c.dir], check=True)


def scxstats(build):
    c = Corpus('scxstats')
    fake = os.path.join(build, 'tests', 'fixtures', 'fake-scx-stats')
    with tempfile.TemporaryDirectory() as t:
        for mode in ('normal', 'errno', 'garbage'):
            sock = f'{t}/stats-{mode}'
            p = subprocess.Popen([fake, sock, mode], stdout=subprocess.PIPE)
            p.stdout.readline()
            s = socket.socket(socket.AF_UNIX)
            s.connect(sock)
            f = s.makefile('rwb')
            for what, req in (('stats', b'{"req":"stats","args":{"target":"top"}}\n'),
                              ('meta', b'{"req":"stats_meta","args":{}}\n')):
                f.write(req)
                f.flush()
                c.add(f'{mode}-{what}', f.readline().rstrip(b'\n'))
            s.close()
            p.terminate()
            p.wait()
    c.add('errno-negative', '{"errno":-3,"args":{"resp":"x"}}')
    c.add('no-resp', '{"errno":0,"args":{}}')


def wire_payloads():
    c = Corpus('wire-payloads')
    seeds = {
        'hello': (1, '{"protocol":1,"client":"schedmcp"}'),
        'reply': (2, '{"now_ns":123456789}'),
        'error': (3, '{"errno":2,"error":"no such resource","hint":"see collectorctl list"}'),
        'read-events': (6, '{"uri":"events://perf","args":{"subsystem":"sched","filter":"switch",'
                           '"offset":0,"limit":10}}'),
        'read-process': (6, '{"uri":"stats://aggregated/process","args":{"window":10,"sort":"runtime",'
                            '"group_by":"process","comm":"bash","offset":20,"limit":20}}'),
        'read-topology': (6, '{"uri":"topology://info","args":{"detail":"full","include_offline":true}}'),
        'call-results': (9, '{"name":"get_perf_results","args":{"format":"stacks","sort":"total","limit":10,'
                            '"offset":5,"include_stacks":true,"pid":42,"focus":"memcpy","max_bytes":8192}}'),
        'call-start-tp': (9, '{"name":"start_perf_profiling","args":{"event":"tracepoint:sched:sched_switch",'
                             '"freq":99}}'),
        'call-start-hw': (9, '{"name":"start_perf_profiling","args":{"event":"hw:cycles","mode":"samples"}}'),
        'call-watch': (9, '{"name":"watch_events","args":{"types":["sched_switch","softirq"],"pids":[1,2],'
                          '"tgids":3,"cpus":"0-3,8","comm":"kworker","min_latency_us":12.5,'
                          '"sample_rate":10,"duration_secs":5,"limit":100}}'),
        'cancel': (10, '{"request_id":7}'),
        'subscribe': (12, '{"types":"sched_switch,fork","cpus":[0,1],"sample_rate":2,"min_latency_us":1}'),
        'subscribe-all': (12, '{"types":"all","pids":7,"comm":"a"}'),
        'unsubscribe': (13, '{"subscription":3}'),
    }
    for name, (t, body) in seeds.items():
        c.add(name, bytes([t]) + body.encode())


def schedmcp():
    c = Corpus('schedmcp')
    # The index byte is taken modulo the table's size (11 tools, 5 prompts, 11 templates):
    # printable bytes from 0x40 up, never '\n'.
    def at(i, n):
        return bytes([(0x40 + n - 1) // n * n + i])
    T = lambda i, args: b'T' + at(i, 11) + args.encode()
    P = lambda i, args: b'P' + at(i, 5) + args.encode()
    R = lambda i, q: b'R' + at(i, 11) + q.encode()
    tools = [
        T(0, '{"stat_type":"topology"}'), T(0, '{"stat_type":"nope"}'),
        T(1, '{"detail_level":"full","include_offline":true}'),
        T(2, '{"event_type":"kprobe","subsystem":"sched"}'), T(2, '{"filter":"switch","offset":0,"limit":5}'),
        T(3, '{"event_type":"tracepoint"}'), T(4, '{"duration_secs":1}'),
        T(5, '{"types":["sched_switch"],"pids":[1],"cpus":[0,1],"comm":"bash","min_latency_us":5,'
             '"sample_rate":2,"duration_secs":1,"limit":10}'),
        T(6, '{"mode":"cross_llc","pid":1,"limit":5,"window":10}'),
        T(7, '{"mode":"by_cpu","softirq_nr":3,"window":60}'),
        T(8, '{"event":"sw:cpu-clock","freq":99,"pid":1,"call_graph":"dwarf","mode":"samples",'
             '"stack_size":4096,"duration_secs":0.5}'),
        T(9, '{}'), T(10, '{"format":"folded","limit":3,"focus":"memcpy","sort":"total","max_bytes":4096}'),
        T(5, '{"limit":-1}'), T(1, '[]'),
    ]
    prompts = [P(0, '{"focus_area":"latency"}'), P(1, '{"pid":"22"}'), P(1, '{"pid":"x"}'), P(2, '{}'),
               P(3, '{"scheduler_name":"scx_lavd"}'), P(4, '{}'), P(0, '{}')]
    templates = [R(0, '?detail=full&include_offline=true'), R(1, '?subsystem=sched&filter=sw&offset=2&limit=3'),
                 R(2, '?filter=ext4'), R(3, '?offset=1'), R(4, '?window=5&offset=0&limit=2'), R(5, '?window=61'),
                 R(10, '?window=10&sort=rq_lat_p99&group_by=process&pid=1&comm=bash&limit=5'),
                 R(10, '?sort=bogus'), R(7, '/extra?window=1'),
                 b'Utopology://info', b'Uevents://stream', b'Unope://x', b'Ustats://system/cpu?window=3']
    # C, the prompt (modulo 5) or template (modulo 11) index, 0 (prompt) or 1 (template), name, value.
    completion = [b'C' + at(0, 5) + b'\x00\tla', b'C' + at(1, 5) + b'\x00\t2', b'C' + at(3, 5) + b'\x00\tscx_',
                  b'C' + at(0, 11) + b'\x01detail\tf', b'C' + at(10, 11) + b'\x01sort\trq',
                  b'C' + at(10, 11) + b'\x01group_by\tp\t{"window":"1"}', b'C' + at(1, 5) + b'\x00pid\t\t{"x":"1"}']
    raw = [b'{"jsonrpc":"2.0","id":"a","method":"tools/list"}',
           b'{"jsonrpc":"2.0","id":"b","method":"prompts/list"}',
           b'{"jsonrpc":"2.0","id":"c","method":"resources/templates/list"}',
           b'{"jsonrpc":"2.0","id":"d","method":"resources/subscribe","params":{"uri":"events://stream"}}',
           b'{"jsonrpc":"2.0","id":"e","method":"resources/unsubscribe","params":{"uri":"events://stream"}}',
           b'{"jsonrpc":"2.0","id":"f","method":"logging/setLevel","params":{"level":"debug"}}',
           b'[{"jsonrpc":"2.0","id":"g","method":"ping"},{"jsonrpc":"2.0","method":"notifications/cancelled",'
           b'"params":{"requestId":"g"}}]']
    c.add('tools', b'\x00' + b'\n'.join(tools))
    c.add('prompts', b'\x01' + b'\n'.join(prompts))
    c.add('templates', b'\x02' + b'\n'.join(templates))
    c.add('completion', b'\x83' + b'\n'.join(completion))
    c.add('raw', b'\x00' + b'\n'.join(raw))
    c.add('mixed', b'\x01' + b'\n'.join(raw[5:6] + tools[4:8] + templates[:3] + completion[:2]))


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: make-seeds.py BUILD_DIR')
    build = os.path.abspath(sys.argv[1])
    proc_text()
    profiler_text()
    tracefs()
    sysfs()
    elf(build)
    binary(build)
    scxstats(build)
    wire_payloads()
    schedmcp()


if __name__ == '__main__':
    main()
