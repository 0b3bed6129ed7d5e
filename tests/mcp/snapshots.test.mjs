// The snapshot resources and tools of issue 4 read through schedmcp by the MCP SDK client: on this
// machine (the collectord run-mcp-tests.sh started) and on fixture trees (a collectord of our own).
//
// Run by run-mcp-tests.sh, which sets SCHEDMCP and COLLECTORD_SOCKET; the build dir is the one
// SCHEDMCP is in, the source dir the one its meson-info names.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

const SCHEDMCP = process.env.SCHEDMCP;
const SOCKET = process.env.COLLECTORD_SOCKET;
if (!SCHEDMCP || !existsSync(SCHEDMCP) || !SOCKET)
	throw new Error('SCHEDMCP and COLLECTORD_SOCKET must be set; run via run-mcp-tests.sh');
const BUILD = path.resolve(path.dirname(SCHEDMCP), '..');
const COLLECTORD = path.join(BUILD, 'collectord', 'collectord');
const COLLECTORCTL = path.join(BUILD, 'collectord', 'collectorctl');
const FAKE_SCX_STATS = path.join(BUILD, 'tests', 'fixtures', 'fake-scx-stats');
const SOURCE = JSON.parse(readFileSync(path.join(BUILD, 'meson-info', 'meson-info.json'), 'utf8')).directories.source;
const FIXTURES = path.join(SOURCE, 'tests', 'fixtures');

const BUDGET = 80 * 1000;         // bytes of one answer: schedmcp's default budget, 20000 tokens of 4 bytes
const REQUEST_TIMEOUT_MS = 15000; // per MCP request
const TEST_TIMEOUT_MS = 30000;    // per test
const ISSUE4_RESOURCES = [
	'scheduler://current', 'stats://scheduler/scx', 'stats://scheduler/raw', 'stats://system/cpu',
	'stats://system/memory', 'stats://system/network', 'events://perf', 'events://kprobe',
	'bpf://programs', 'topology://info',
];
const ISSUE4_TOOLS = ['query_stats', 'get_topology', 'list_events', 'list_event_subsystems'];
const opts = { timeout: REQUEST_TIMEOUT_MS };

async function connect(socket) {
	const transport = new StdioClientTransport({
		command: SCHEDMCP,
		args: [],
		env: { COLLECTORD_SOCKET: socket },
		stderr: 'pipe',
	});
	const client = new Client({ name: 'schedmcp-snapshot-tests', version: '0.0.0' }, { capabilities: {} });
	await client.connect(transport, opts);
	// The SDK checks structuredContent against each tool's outputSchema once it has listed them.
	await client.listTools({}, opts);
	return client;
}

function withinBudget(what, result) {
	const size = JSON.stringify(result).length;
	assert.ok(size <= BUDGET, `${what}: the answer takes ${size} bytes, over the budget`);
}

// resources/read of one URI: one JSON content, whole and within the budget, parsed.
async function read(client, uri) {
	const result = await client.readResource({ uri }, opts);
	withinBudget(uri, result);
	assert.equal(result._meta?.truncated, undefined, `${uri} was cut: ${JSON.stringify(result._meta)}`);
	assert.equal(result.contents.length, 1, `${uri}: one content`);
	const [c] = result.contents;
	assert.equal(c.uri, uri);
	assert.equal(c.mimeType, 'application/json');
	return JSON.parse(c.text);
}

// tools/call within the budget, as the SDK hands it back.
async function callResult(client, name, args) {
	const r = await client.callTool({ name, arguments: args }, undefined, opts);
	withinBudget(`${name}(${JSON.stringify(args)})`, r);
	return r;
}

// tools/call that succeeds whole: its text is the JSON document, the same as structuredContent.
async function call(client, name, args = {}) {
	const r = await callResult(client, name, args);
	assert.notEqual(r.isError, true, `${name}(${JSON.stringify(args)}): ${r.content?.[0]?.text}`);
	assert.equal(r.content.length, 1, `${name}(${JSON.stringify(args)}) was cut: ${r.content[1]?.text}`);
	assert.equal(r.content[0].type, 'text');
	const doc = JSON.parse(r.content[0].text);
	if (r.structuredContent)
		assert.deepEqual(r.structuredContent, doc);
	return doc;
}

// tools/call that fails as a tool (isError), not as a protocol error: its message.
async function callError(client, name, args) {
	const r = await callResult(client, name, args);
	assert.equal(r.isError, true, `${name}(${JSON.stringify(args)}) should fail: ${r.content?.[0]?.text}`);
	return r.content[0].text;
}

// list_events from offset 0 to next_offset null: every page and the events they hold.
async function allEventPages(client, args, limit) {
	const pages = [];
	let offset = 0;
	do {
		const page = await call(client, 'list_events', { ...args, offset, limit });
		assert.equal(page.offset, offset);
		assert.ok(page.events.length <= limit);
		pages.push(page);
		offset = page.next_offset;
		assert.ok(pages.length <= 1000, 'paging ends');
	} while (offset !== null);
	return pages;
}

const sum = (values) => values.reduce((a, b) => a + b, 0);
const closeTo = (got, want, rel) => Math.abs(got - want) <= rel * Math.abs(want);
const meminfoKb = (text, key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text)[1]);
const eventLines = (file) => readFileSync(file, 'utf8').split('\n').filter((l) => /^[\w-]+:[\w-]+$/.test(l));

// /proc/net/dev: interface name -> received bytes.
function netdevRxBytes(text) {
	const rx = new Map();
	for (const line of text.split('\n').slice(2)) {
		const m = /^\s*([^:\s]+):\s*(\d+)/.exec(line);
		if (m)
			rx.set(m[1], Number(m[2]));
	}
	return rx;
}

// /proc/stat's ctxt read every few ms with CLOCK_MONOTONIC times (what process.hrtime and
// collectord's window_*_ns both use), to check a rate against over the very same window.
class CtxtRecorder {
	constructor(everyMs) {
		this.samples = [];
		this.take();
		this.timer = setInterval(() => this.take(), everyMs);
	}
	take() {
		const t = Number(process.hrtime.bigint());
		this.samples.push([t, Number(/^ctxt (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))[1])]);
	}
	stop() {
		clearInterval(this.timer);
	}
	// ctxt at time t, interpolated between the readings either side; null outside them.
	at(t) {
		const s = this.samples;
		for (let i = 1; i < s.length; i++)
			if (s[i - 1][0] <= t && t <= s[i][0])
				return s[i - 1][1] + (s[i][1] - s[i - 1][1]) * (t - s[i - 1][0]) / (s[i][0] - s[i - 1][0] || 1);
		return null;
	}
}

function kernelPolicy(release) {
	const [major, minor] = release.split('.').map(Number);
	return major > 6 || (major === 6 && minor >= 6) ? 'EEVDF' : 'CFS';
}

describe('issue 4 snapshots on this machine', { timeout: 6 * TEST_TIMEOUT_MS }, () => {
	let client;
	let recorder;

	before(async () => {
		recorder = new CtxtRecorder(50);
		client = await connect(SOCKET);
	});

	after(async () => {
		recorder?.stop();
		await client?.close();
	});

	test('resources/list offers every snapshot resource as JSON', { timeout: TEST_TIMEOUT_MS }, async () => {
		const all = [];
		let cursor;
		do {
			const page = await client.listResources(cursor ? { cursor } : {}, opts);
			all.push(...page.resources);
			cursor = page.nextCursor;
		} while (cursor);
		for (const uri of ISSUE4_RESOURCES) {
			const r = all.find((x) => x.uri === uri);
			assert.ok(r, `${uri} in ${JSON.stringify(all.map((x) => x.uri))}`);
			assert.equal(r.mimeType, 'application/json');
			assert.ok(r.name && r.description, `${uri} has a name and a description`);
		}
	});

	test('scheduler://current names the class of this kernel', { timeout: TEST_TIMEOUT_MS }, async () => {
		const cur = await read(client, 'scheduler://current');
		const policy = kernelPolicy(os.release());
		assert.equal(cur.kernel, os.release());
		assert.equal(cur.fair_policy, policy);
		const state = existsSync('/sys/kernel/sched_ext/state')
			? readFileSync('/sys/kernel/sched_ext/state', 'utf8').trim() : null;
		assert.equal(cur.sched_ext.available, state !== null);
		if (state === 'enabled') {
			assert.equal(cur.class, 'sched_ext');
			assert.equal(cur.name, readFileSync('/sys/kernel/sched_ext/root/ops', 'utf8').trim());
		} else {
			assert.equal(cur.class, 'fair');
			assert.equal(cur.name, policy);
		}
		if (state === null)
			assert.match(cur.sched_ext.reason, /CONFIG_SCHED_CLASS_EXT/);
	});

	test('stats://scheduler/scx and stats://scheduler/raw', { timeout: TEST_TIMEOUT_MS }, async () => {
		const scx = await read(client, 'stats://scheduler/scx');
		if (existsSync('/sys/kernel/sched_ext')) {
			assert.equal(scx.available, true);
			assert.equal(scx.state, readFileSync('/sys/kernel/sched_ext/state', 'utf8').trim());
		} else {
			assert.equal(scx.available, false);
			assert.match(scx.reason, /sched_ext is not available.*CONFIG_SCHED_CLASS_EXT/);
		}
		const raw = await read(client, 'stats://scheduler/raw');
		if (existsSync('/var/run/scx/root/stats')) {
			assert.equal(typeof raw.available, 'boolean');
		} else {
			assert.equal(raw.available, false);
			assert.match(raw.reason, /^no sched_ext scheduler is running \(no stats socket at \/var\/run\/scx\/root\/stats\)$/);
		}
	});

	test('stats://system/memory: MemTotal as /proc/meminfo says', { timeout: TEST_TIMEOUT_MS }, async () => {
		const mem = await read(client, 'stats://system/memory');
		const meminfo = readFileSync('/proc/meminfo', 'utf8');
		assert.equal(mem.mem_total_kb, meminfoKb(meminfo, 'MemTotal'));
		assert.equal(mem.swap_total_kb, meminfoKb(meminfo, 'SwapTotal'));
		assert.ok(closeTo(mem.used_ratio + mem.available_ratio, 1, 0.001), `${mem.used_ratio} + ${mem.available_ratio}`);
		if (mem.swap_total_kb === 0) {
			assert.equal(mem.swap_used_ratio, null);
			assert.match(mem.swap_note, /no swap/);
		} else {
			assert.ok(mem.swap_used_ratio >= 0 && mem.swap_used_ratio <= 1);
		}
		assert.ok(mem.vmstat.window_s > 0 &&
			mem.vmstat.window_s <= mem.vmstat.requested_window_s + mem.vmstat.interval_ms / 1000);
		for (const k of ['pgfault_per_s', 'pgmajfault_per_s', 'pswpin_per_s', 'pswpout_per_s', 'pgscan_per_s', 'pgsteal_per_s'])
			assert.ok(mem.vmstat[k] >= 0, `vmstat.${k} = ${mem.vmstat[k]}`);
		if (existsSync('/proc/pressure/cpu')) {
			assert.equal(mem.psi.available, true);
			for (const res of ['cpu', 'memory', 'io'])
				for (const k of ['avg10_pct', 'avg60_pct', 'avg300_pct', 'total_us'])
					assert.equal(typeof mem.psi[res].some[k], 'number', `psi.${res}.some.${k}`);
		} else {
			assert.equal(mem.psi.available, false);
			assert.ok(mem.psi.reason);
		}
	});

	test('stats://system/network: the interfaces of /proc/net/dev', { timeout: TEST_TIMEOUT_MS }, async () => {
		const net = await read(client, 'stats://system/network');
		const rx = netdevRxBytes(readFileSync('/proc/net/dev', 'utf8'));
		assert.equal(net.total, rx.size);
		assert.deepEqual(net.interfaces.map((i) => i.name).sort(), [...rx.keys()].sort());
		for (const i of net.interfaces) {
			assert.ok(i.rx_bytes <= rx.get(i.name), `${i.name}: ${i.rx_bytes} bytes, not more than now`);
			for (const k of ['rx_bytes_per_s', 'tx_packets_per_s', 'rx_errors_per_s', 'tx_drops_per_s'])
				assert.ok(i[k] >= 0, `${i.name}.${k}`);
		}
		assert.ok(net.window_s > 0 && net.window_s <= net.requested_window_s + net.interval_ms / 1000);
	});

	test('events://perf: the tracepoints of available_events, first page', { timeout: TEST_TIMEOUT_MS }, async () => {
		const perf = await read(client, 'events://perf');
		const file = ['/sys/kernel/tracing/available_events', '/sys/kernel/debug/tracing/available_events']
			.find((f) => existsSync(f));
		if (!file) {
			assert.equal(perf.available, false);
			return;
		}
		const lines = eventLines(file);
		assert.equal(perf.available, true);
		assert.equal(perf.total, lines.length);
		assert.equal(sum(Object.values(perf.subsystems)), perf.total);
		assert.equal(perf.events.length, Math.min(100, perf.total));
		assert.equal(perf.next_offset, perf.total > 100 ? 100 : null);
		const [e] = perf.events;
		assert.equal(`${e.subsystem}:${e.event}`, lines[0]);
	});

	test('events://kprobe: the functions, or why kprobes cannot attach', { timeout: TEST_TIMEOUT_MS }, async () => {
		const kp = await read(client, 'events://kprobe');
		const status = await read(client, 'collector://status');
		if (!status.features.kprobe.available) {
			assert.equal(kp.available, false);
			assert.ok(kp.reason.includes(`kprobes cannot be attached on this kernel: ${status.features.kprobe.reason}`),
				kp.reason);
		} else if (kp.available) {
			assert.ok(kp.total > 1000 && kp.functions.length === 100);
		} else {
			assert.match(kp.reason, /cannot read|no .*available_filter_functions|tracefs/);
		}
	});

	test('bpf://programs: collectord\'s own programs run, with statistics on', { timeout: TEST_TIMEOUT_MS }, async () => {
		await read(client, 'bpf://programs'); // turns run-time statistics on
		await sleep(500);
		const bpf = await read(client, 'bpf://programs');
		assert.equal(bpf.stats_enabled, true);
		assert.ok(bpf.stats_since_s >= 0.4, `stats on for ${bpf.stats_since_s} s`);
		assert.equal(bpf.programs.length, Math.min(bpf.total, 100));
		for (const p of bpf.programs) {
			assert.ok(Number.isInteger(p.id) && typeof p.type === 'string', JSON.stringify(p));
			assert.ok(p.run_cnt >= 0 && p.run_time_ns >= 0 && p.verified_insns >= 0 && p.memlock_bytes >= 0);
		}
		const status = await read(client, 'collector://status');
		const ours = status.bpf?.programs ?? []; // none when collectord runs with --no-bpf
		for (const { id, name } of ours) {
			const p = bpf.programs.find((x) => x.id === id);
			if (!p && bpf.total > bpf.programs.length)
				continue; // on a later page, out of reach of resources/read
			assert.ok(p, `collectord's program ${id} is listed`);
			assert.equal(p.name, name);
			// sched_switch fires all the time; other tracepoints may not have yet.
			if (name.startsWith('sched_switch'))
				assert.ok(p.run_cnt > 0 && p.run_time_ns > 0 && p.ns_per_run > 0, JSON.stringify(p));
		}
	});

	test('topology://info and get_topology agree with this machine', { timeout: TEST_TIMEOUT_MS }, async () => {
		const info = await read(client, 'topology://info');
		assert.equal(info.nr_online, os.cpus().length);
		const summary = await call(client, 'get_topology');
		const full = await call(client, 'get_topology', { detail_level: 'full' });
		const all = await call(client, 'get_topology', { detail_level: 'full', include_offline: true });
		for (const doc of [summary, full, all])
			for (const k of ['nr_cpus', 'nr_online', 'nr_cores', 'nr_llcs', 'nr_nodes'])
				assert.equal(doc[k], info[k], k);
		assert.equal(summary.cpus, undefined, 'summary has no per-cpu list');
		assert.ok(JSON.stringify(summary).length < 4096, 'summary is short');
		assert.equal(full.cpus.length, info.nr_online);
		assert.equal(all.cpus.length, info.nr_cpus);
	});

	test('query_stats: the catalogue, one entry, and a bad stat_type', { timeout: TEST_TIMEOUT_MS }, async () => {
		const { tools } = await client.listTools({}, opts);
		for (const name of ISSUE4_TOOLS)
			assert.ok(tools.some((t) => t.name === name), `tool ${name}`);
		const { resources } = await call(client, 'query_stats');
		for (const uri of ISSUE4_RESOURCES) {
			const e = resources.find((r) => r.uri === uri);
			assert.ok(e, `${uri} in the catalogue`);
			assert.ok(e.stat_type && e.description);
			assert.deepEqual(e.example, { method: 'resources/read', params: { uri } });
			const one = await call(client, 'query_stats', { stat_type: e.stat_type });
			assert.deepEqual(one.resources, [e]);
		}
		const message = await callError(client, 'query_stats', { stat_type: 'nosuch' });
		assert.match(message, /Unknown stat_type 'nosuch'/);
		for (const r of resources)
			assert.ok(message.includes(r.stat_type), `${r.stat_type} in: ${message}`);
	});

	test('list_events pages to the end; list_event_subsystems counts', { timeout: TEST_TIMEOUT_MS }, async () => {
		const perf = await read(client, 'events://perf');
		if (!perf.available)
			return;
		// 400 events of about 50 bytes, twice (text and structuredContent): within the budget.
		const pages = await allEventPages(client, {}, 400);
		assert.equal(sum(pages.map((p) => p.events.length)), perf.total);
		assert.equal(pages.length, Math.max(1, Math.ceil(perf.total / 400)));
		for (const p of pages)
			assert.equal(p.total, perf.total);
		// A page too large for the budget is cut to fit, and says so.
		const big = await callResult(client, 'list_events', { limit: 1000 });
		assert.notEqual(big.isError, true, big.content[0].text);
		if (big.content.length > 1)
			assert.match(big.content.at(-1).text, /answer budget/);

		const sched = await call(client, 'list_events', { subsystem: 'sched', limit: 1000 });
		assert.equal(sched.total, perf.subsystems.sched);
		assert.ok(sched.events.every((e) => e.subsystem === 'sched'));
		const sw = await call(client, 'list_events', { filter: 'sched_switch' });
		assert.ok(sw.events.some((e) => e.subsystem === 'sched' && e.event === 'sched_switch'));
		const message = await callError(client, 'list_events', { subsystem: 'nosuch' });
		assert.match(message, /unknown subsystem 'nosuch'; the known subsystems are: .*\bsched\b/);

		const subs = await call(client, 'list_event_subsystems');
		assert.equal(subs.total, perf.total);
		assert.equal(subs.subsystem_count, Object.keys(perf.subsystems).length);
		assert.equal(sum(subs.subsystems.map((s) => s.events)), perf.total);
		for (let i = 1; i < subs.subsystems.length; i++)
			assert.ok(subs.subsystems[i - 1].events >= subs.subsystems[i].events, 'largest first');
		for (const s of subs.subsystems)
			assert.equal(s.events, perf.subsystems[s.subsystem], s.subsystem);

		const kp = await read(client, 'events://kprobe');
		const kpEvents = await call(client, 'list_events', { event_type: 'kprobe', limit: 10 });
		assert.equal(kpEvents.available, kp.available);
		const kpSubs = await call(client, 'list_event_subsystems', { event_type: 'kprobe' });
		assert.equal(kpSubs.available, kp.available);
	});

	// Last: the recorder must have run for a whole window before it.
	test('stats://system/cpu: rates over a stated window, as a /proc/stat delta', { timeout: TEST_TIMEOUT_MS }, async () => {
		// A whole window (collectord may be young) inside what we recorded, so that
		// the comparison is over seconds, not over a few of our readings.
		let cpu = await read(client, 'stats://system/cpu');
		for (let i = 0; i < 3 && (cpu.window_start_ns < recorder.samples[0][0] ||
					  cpu.window_s < cpu.requested_window_s - 0.5); i++) {
			const now = Number(process.hrtime.bigint());
			const ready = Math.max(recorder.samples[0][0] + (cpu.requested_window_s + 1.5) * 1e9,
				now + (cpu.requested_window_s - cpu.window_s + 1.5) * 1e9);
			await sleep((ready - now) / 1e6);
			cpu = await read(client, 'stats://system/cpu');
		}
		recorder.take();
		assert.equal(cpu.nr_cpus, os.cpus().length);
		assert.equal(cpu.per_cpu.total, os.cpus().length);
		assert.deepEqual(cpu.per_cpu.cpus.map((c) => c.cpu), [...Array(os.cpus().length).keys()]);
		const shares = ['user_pct', 'nice_pct', 'system_pct', 'idle_pct', 'iowait_pct', 'irq_pct', 'softirq_pct', 'steal_pct'];
		assert.ok(closeTo(sum(shares.map((k) => cpu.total[k])), 100, 0.001), JSON.stringify(cpu.total));
		// The window ends at a sample: up to one interval more than asked.
		assert.ok(cpu.window_s > 0 && cpu.window_s <= cpu.requested_window_s + cpu.interval_ms / 1000,
			`window ${cpu.window_s} s`);
		assert.ok(closeTo(cpu.window_end_ns - cpu.window_start_ns, cpu.window_s * 1e9, 0.001));
		for (const k of ['TIMER', 'SCHED', 'RCU'])
			assert.ok(cpu.softirqs_per_s[k] >= 0, `softirqs_per_s.${k}`);
		assert.ok(cpu.interrupts_per_s > 0 && cpu.procs_running >= 1);

		const delta = cpu.ctxt_end - cpu.ctxt_start;
		assert.ok(closeTo(cpu.context_switches_per_s * cpu.window_s, delta, 0.002),
			`${cpu.context_switches_per_s}/s over ${cpu.window_s} s vs ${delta}`);
		const start = recorder.at(cpu.window_start_ns), end = recorder.at(cpu.window_end_ns);
		assert.ok(start !== null && end !== null, 'the window lies within our own /proc/stat readings');
		const ours = (end - start) / ((cpu.window_end_ns - cpu.window_start_ns) / 1e9);
		assert.ok(closeTo(cpu.context_switches_per_s, ours, 0.05),
			`context switches: ${cpu.context_switches_per_s}/s from schedmcp, ${ours.toFixed(1)}/s from /proc/stat`);
	});
});

// A /sys + /proc tree of a 2-socket SMT machine running the sched_ext scheduler rusty, with
// tracefs, made of the fixture trees: what --sysfs-root reads from.
function fixtureRoot(dir) {
	const link = (target, at) => {
		mkdirSync(path.dirname(at), { recursive: true });
		symlinkSync(target, at);
	};
	const rusty = path.join(FIXTURES, 'scx', 'rusty');
	link(path.join(rusty, 'sys', 'kernel', 'sched_ext'), path.join(dir, 'sys', 'kernel', 'sched_ext'));
	link(path.join(rusty, 'sys', 'kernel', 'debug'), path.join(dir, 'sys', 'kernel', 'debug'));
	link(path.join(rusty, 'proc', 'sys'), path.join(dir, 'proc', 'sys'));
	link(path.join(FIXTURES, 'tracefs', 'basic', 'sys', 'kernel', 'tracing'), path.join(dir, 'sys', 'kernel', 'tracing'));
	link(path.join(FIXTURES, 'topology', '2socket-smt', 'sys', 'devices'), path.join(dir, 'sys', 'devices'));
	// /proc's counters go through "now", which moves from the sample at t0 to the one at t1.
	const t0 = path.join(FIXTURES, 'proc', '2socket-smt', 't0', 'proc');
	link(t0, path.join(dir, 'now'));
	for (const f of readdirSync(t0))
		link(path.join('..', 'now', f), path.join(dir, 'proc', f));
	mkdirSync(path.join(dir, 'var', 'run', 'scx', 'root'), { recursive: true });
}

function moveNowTo(dir, t) {
	symlinkSync(path.join(FIXTURES, 'proc', '2socket-smt', t, 'proc'), path.join(dir, 'now.new'));
	renameSync(path.join(dir, 'now.new'), path.join(dir, 'now'));
}

// Starts fake-scx-stats in MODE on SOCKET; resolves once it says "ready".
function startFakeScxStats(socket, mode) {
	return new Promise((resolve, reject) => {
		const child = spawn(FAKE_SCX_STATS, [socket, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
		const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('fake-scx-stats not ready in 5 s')); }, 5000);
		child.on('error', (e) => { clearTimeout(timer); reject(e); });
		createInterface({ input: child.stdout }).once('line', (line) => {
			clearTimeout(timer);
			if (line === 'ready')
				resolve(child);
			else
				reject(new Error(`fake-scx-stats said ${line}`));
		});
	});
}

function stopChild(child) {
	if (!child || child.exitCode !== null || child.signalCode !== null)
		return Promise.resolve();
	return new Promise((resolve) => {
		child.once('exit', () => resolve());
		child.kill('SIGTERM');
	});
}

describe('issue 4 snapshots on the fixture trees', { timeout: 6 * TEST_TIMEOUT_MS }, () => {
	let dir;
	let collectord;
	let collectordLog = '';
	let client;
	let fake;

	before(async () => {
		dir = mkdtempSync(path.join(os.tmpdir(), 'schedmcp-fx-'));
		fixtureRoot(path.join(dir, 'root'));
		const socket = path.join(dir, 'collectord.sock');
		const group = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();
		collectord = spawn(COLLECTORD, ['--foreground', '--no-bpf', '--socket', socket, '--socket-group', group,
			'--config', path.join(dir, 'absent.conf'), '--sysfs-root', path.join(dir, 'root')],
		{ stdio: ['ignore', 'ignore', 'pipe'] });
		collectord.stderr.on('data', (d) => { collectordLog += d; });
		const deadline = Date.now() + 10000;
		for (;;) {
			assert.equal(collectord.exitCode, null, `collectord exited: ${collectordLog}`);
			try {
				await promisify(execFile)(COLLECTORCTL, ['--socket', socket, '--timeout', '1000', 'ping']);
				break;
			} catch (e) {
				assert.ok(Date.now() < deadline, `collectord did not answer on ${socket}: ${collectordLog}`);
				await sleep(100);
			}
		}
		client = await connect(socket);
		// A sample of t0 first (the read takes one when there is none), then t1 from the next tick on.
		const cpu = await read(client, 'stats://system/cpu');
		assert.equal(cpu.ctxt_end, 1000000000, 'the t0 sample');
		moveNowTo(path.join(dir, 'root'), 't1');
	});

	after(async () => {
		await client?.close();
		await stopChild(fake);
		await stopChild(collectord);
		if (dir)
			rmSync(dir, { recursive: true, force: true });
	});

	test('scheduler://current: sched_ext runs rusty', { timeout: TEST_TIMEOUT_MS }, async () => {
		const cur = await read(client, 'scheduler://current');
		assert.equal(cur.class, 'sched_ext');
		assert.equal(cur.name, 'rusty');
		assert.equal(cur.kernel, '6.12.8-scx');
		assert.equal(cur.fair_policy, 'EEVDF');
		assert.deepEqual(cur.sched_ext, { available: true, state: 'enabled', ops: 'rusty', enable_seq: 7, switch_all: true });
	});

	test('stats://scheduler/scx: the counters parsed into fields', { timeout: TEST_TIMEOUT_MS }, async () => {
		const scx = await read(client, 'stats://scheduler/scx');
		assert.equal(scx.available, true);
		assert.equal(scx.state, 'enabled');
		assert.equal(scx.ops, 'rusty');
		assert.equal(scx.switch_all, true);
		assert.equal(scx.nr_rejected, 2);
		assert.equal(scx.hotplug_seq, 3);
		assert.equal(scx.enable_seq, 7);
		assert.equal(scx.events.SCX_EV_DISPATCH_KEEP_LAST, 4521);
		assert.equal(scx.events.SCX_EV_BYPASS_DURATION, 1500000);
		assert.equal(Object.keys(scx.events).length, 9);
		assert.equal(scx.debug.ops, 'rusty');
		assert.equal(scx.debug.enabled, 1);
		assert.equal(scx.debug.enable_state, 'enabled');
	});

	test('stats://scheduler/raw through the scx_stats protocol', { timeout: TEST_TIMEOUT_MS }, async (t) => {
		const socket = path.join(dir, 'root', 'var', 'run', 'scx', 'root', 'stats');
		let raw = await read(client, 'stats://scheduler/raw');
		assert.equal(raw.available, false);
		assert.match(raw.reason, /^no sched_ext scheduler is running \(no stats socket at .*\/var\/run\/scx\/root\/stats\)$/);
		if (!existsSync(FAKE_SCX_STATS)) {
			t.skip(`${FAKE_SCX_STATS} is not built`);
			return;
		}

		fake = await startFakeScxStats(socket, 'normal');
		raw = await read(client, 'stats://scheduler/raw');
		assert.equal(raw.available, true);
		assert.equal(raw.target, 'top');
		assert.equal(raw.stats.nr_cpus, 4);
		assert.equal(raw.stats.busy, 12.5);
		assert.deepEqual(raw.stats.layers.batch, { util: 55.0, tasks: 7 });
		assert.equal(raw.stats_meta.top.name, 'top');
		assert.equal(raw.stats_meta.top.fields.busy.attrs.desc, 'CPU busy %');
		await stopChild(fake);

		fake = await startFakeScxStats(socket, 'errno');
		await assert.rejects(client.readResource({ uri: 'stats://scheduler/raw' }, opts), (err) => {
			assert.ok(err instanceof McpError, `McpError, got ${err}`);
			assert.match(err.message, /scx_stats server refused "stats": errno 16 .*scheduler is busy/);
			return true;
		});
		await stopChild(fake);

		fake = await startFakeScxStats(socket, 'garbage');
		await assert.rejects(client.readResource({ uri: 'stats://scheduler/raw' }, opts),
			/scx_stats server sent invalid JSON/);
		await stopChild(fake);
		fake = null;

		raw = await read(client, 'stats://scheduler/raw');
		assert.equal(raw.available, false);
		assert.match(raw.reason, /no scx_stats server listens on .*left its socket behind/);
	});

	test('topology of the 2-socket fixture: get_topology and topology://info', { timeout: TEST_TIMEOUT_MS }, async () => {
		const summary = await call(client, 'get_topology', { detail_level: 'summary' });
		assert.equal(summary.nr_cpus, 32);
		assert.equal(summary.nr_online, 30);
		assert.equal(summary.nr_packages, 2);
		assert.equal(summary.nr_cores, 16);
		assert.equal(summary.nr_llcs, 4);
		assert.equal(summary.nr_nodes, 2);
		assert.equal(summary.smt_active, true);
		assert.equal(summary.online, '0-29');
		assert.equal(summary.offline, '30-31');
		assert.deepEqual(summary.llcs, ['0-3,16-19', '4-7,20-23', '8-11,24-27', '12-15,28-29']);
		assert.deepEqual(summary.nodes, [{ id: 0, cpus: '0-7,16-23' }, { id: 1, cpus: '8-15,24-29' }]);
		assert.equal(summary.cpus, undefined);
		assert.ok(JSON.stringify(summary).length < 4096, 'summary is short');

		const full = await call(client, 'get_topology', { detail_level: 'full' });
		assert.deepEqual(full.cpus.map((c) => c.id), [...Array(30).keys()]);
		const cpu0 = full.cpus[0];
		assert.deepEqual(cpu0.smt_siblings, [0, 16]);
		assert.equal(cpu0.llc_id, 0);
		assert.equal(cpu0.node_id, 0);
		const all = await call(client, 'get_topology', { detail_level: 'full', include_offline: true });
		assert.deepEqual(all.cpus.map((c) => c.id), [...Array(32).keys()]);
		assert.deepEqual(all.cpus.filter((c) => !c.online).map((c) => c.id), [30, 31]);

		const info = await read(client, 'topology://info');
		assert.equal(info.cpus.length, 32, 'the resource lists offline cpus too');
		assert.equal(info.nr_llcs, 4);
	});

	test('stats://system/cpu: exact rates between the t0 and t1 samples', { timeout: TEST_TIMEOUT_MS }, async () => {
		let cpu;
		for (let i = 0; i < 40; i++) { // the t1 sample comes with collectord's next tick
			cpu = await read(client, 'stats://system/cpu');
			if (cpu.ctxt_end !== cpu.ctxt_start)
				break;
			await sleep(100);
		}
		assert.equal(cpu.ctxt_start, 1000000000);
		assert.equal(cpu.ctxt_end, 1001234567);
		assert.ok(closeTo(cpu.context_switches_per_s, 1234567 / cpu.window_s, 0.002), JSON.stringify(cpu));
		assert.equal(cpu.nr_cpus, 32);
		assert.equal(cpu.per_cpu.total, 32);
		// Shares are ratios of tick deltas: exact whatever the window (make-fixtures.sh).
		assert.deepEqual(cpu.total, { user_pct: 30.0, nice_pct: 2.5, system_pct: 12.5, idle_pct: 51.5, iowait_pct: 1.0,
			irq_pct: 0.5, softirq_pct: 1.25, steal_pct: 0.75, busy_pct: 47.5 });
		assert.equal(cpu.per_cpu.cpus[0].user_pct, 50.0);
		assert.equal(cpu.per_cpu.cpus[1].idle_pct, 78.0);
		assert.equal(cpu.procs_running, 5);
		assert.equal(cpu.procs_blocked, 1);
	});

	test('stats://system/memory and stats://system/network from the fixture', { timeout: TEST_TIMEOUT_MS }, async () => {
		const mem = await read(client, 'stats://system/memory');
		const meminfo = readFileSync(path.join(dir, 'root', 'proc', 'meminfo'), 'utf8');
		assert.equal(mem.mem_total_kb, meminfoKb(meminfo, 'MemTotal'));
		assert.equal(mem.mem_total_kb, 263000000);
		assert.equal(mem.psi.available, true);
		assert.equal(mem.psi.cpu.some.avg10_pct, Number(/avg10=([\d.]+)/.exec(readFileSync(path.join(dir, 'root', 'proc', 'pressure', 'cpu'), 'utf8'))[1]));

		const net = await read(client, 'stats://system/network');
		const byName = Object.fromEntries(net.interfaces.map((i) => [i.name, i]));
		assert.deepEqual(Object.keys(byName).sort(), ['eno1', 'eno2', 'lo', 'veth1']);
		assert.equal(byName.eno1.rx_bytes, 901250000000);
		assert.equal(byName.eno1.rx_drops, 35);
		assert.ok(closeTo(byName.eno1.rx_bytes_per_s * net.window_s, 1250000000, 0.002), JSON.stringify(byName.eno1));
		assert.ok(closeTo(byName.eno1.rx_drops_per_s * net.window_s, 30, 0.01));
	});

	test('events://perf, list_events and list_event_subsystems on the tracefs fixture', { timeout: TEST_TIMEOUT_MS }, async () => {
		const lines = eventLines(path.join(FIXTURES, 'tracefs', 'basic', 'sys', 'kernel', 'tracing', 'available_events'));
		const perf = await read(client, 'events://perf');
		assert.equal(perf.available, true);
		assert.equal(perf.total, lines.length);
		assert.deepEqual(perf.events.map((e) => `${e.subsystem}:${e.event}`), lines);

		const pages = await allEventPages(client, {}, 5);
		assert.equal(pages.length, Math.ceil(lines.length / 5));
		assert.deepEqual(pages.flatMap((p) => p.events.map((e) => `${e.subsystem}:${e.event}`)), lines);
		const sched = await call(client, 'list_events', { subsystem: 'sched', filter: 'wak' });
		assert.deepEqual(sched.events.map((e) => e.event), ['sched_waking', 'sched_wakeup', 'sched_wakeup_new']);
		const message = await callError(client, 'list_events', { subsystem: 'nosuch' });
		assert.match(message, /unknown subsystem 'nosuch'; the known subsystems are: .*sched_ext/);

		const subs = await call(client, 'list_event_subsystems', { event_type: 'tracepoint' });
		const counts = {};
		for (const l of lines)
			counts[l.split(':')[0]] = (counts[l.split(':')[0]] ?? 0) + 1;
		assert.deepEqual(Object.fromEntries(subs.subsystems.map((s) => [s.subsystem, s.events])), counts);
		assert.equal(subs.subsystems[0].subsystem, 'sched');
		assert.equal(subs.total, lines.length);
	});

	test('events://kprobe: unavailable with the reason (no kprobe PMU in the tree)', { timeout: TEST_TIMEOUT_MS }, async () => {
		const kp = await read(client, 'events://kprobe');
		assert.equal(kp.available, false);
		assert.match(kp.reason, /^kprobes cannot be attached on this kernel: no kprobe PMU/);
		assert.equal(kp.source_readable, true);
		const listed = await call(client, 'list_events', { event_type: 'kprobe' });
		assert.deepEqual(listed, kp);
		const message = await callError(client, 'list_events', { event_type: 'kprobe', subsystem: 'sched' });
		assert.match(message, /kprobe functions have no subsystems/);
	});
});
