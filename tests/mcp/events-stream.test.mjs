// events-stream.test.mjs: events://stream filtered by its URI, through the SDK client: the template is
// listed with its parameters; bad parameters are -32602 naming the parameter; completion of event types;
// and (as root, where collectord has its BPF programs) two feeds at once on a sched-sleeper: one with a
// pid filter gets only that thread's events, one sampled 1 in 10 gets a tenth of them, each header states
// its filter and sampling factor, and notifications name each exact URI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

import { McpError, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { allPages, connect, REQUEST_TIMEOUT_MS, SCHEDMCP } from './helpers.mjs';

const opts = { timeout: REQUEST_TIMEOUT_MS };
const TEMPLATE = 'events://stream{?types,pids,tgids,cpus,comm,min_latency_us,sample_rate}';
const PARAMETERS = ['types', 'pids', 'tgids', 'cpus', 'comm', 'min_latency_us', 'sample_rate'];
const SLEEPER = path.join(path.dirname(SCHEDMCP), '..', 'tests', 'integration', 'sched-sleeper');
const SLEEPS = 40; // of 20 ms each: 40 voluntary switches out

// The header line and the events of one read.
async function readStream(client, uri) {
	const r = await client.readResource({ uri }, opts);
	assert.equal(r.contents[0].uri, uri);
	assert.equal(r.contents[0].mimeType, 'application/x-ndjson');
	const [header, ...events] = r.contents[0].text.split('\n').filter((l) => l).map((l) => JSON.parse(l));
	assert.equal(events.length, header.count, `${uri}: the header counts the events that follow`);
	return { header, events };
}

// The events of uri, read until enough(events) and nothing more waits, or for 5 s; the last header and
// the events lost on the way (the ring buffer's or a queue's).
async function drain(client, uri, enough) {
	const all = [];
	const deadline = performance.now() + 5000;
	let last;
	let lost = 0;
	for (;;) {
		const { header, events } = await readStream(client, uri);
		all.push(...events);
		lost += header.lost_kernel + header.dropped;
		last = header;
		if (header.more === 0 && (enough(all) || performance.now() > deadline))
			break;
		if (header.more === 0)
			await sleep(100);
	}
	return { header: last, events: all, lost };
}

// A sched-sleeper waiting for its go; its pid.
async function startSleeper() {
	const child = spawn(SLEEPER, [String(SLEEPS), '20000'], { stdio: ['pipe', 'pipe', 'inherit'] });
	const exited = once(child, 'close');
	const [line] = await once(createInterface({ input: child.stdout }), 'line');
	return { child, exited, pid: Number(line) };
}

// Either side of a switch, the wakee or the waker (docs/protocol.md: pids).
function concerns(e, pid) {
	return e.type === 'sched_switch' ? e.prev_pid === pid || e.next_pid === pid : e.pid === pid || e.waker_pid === pid;
}

describe('events://stream filtered by its URI', { timeout: 30000 }, () => {
	let conn;

	before(async () => {
		conn = await connect();
	});

	after(async () => {
		await conn?.client.close();
	});

	test('the template is listed with each parameter described', async () => {
		const { items } = await allPages((p) => conn.client.listResourceTemplates(p, opts), 'resourceTemplates');
		const t = items.find((x) => x.uriTemplate === TEMPLATE);
		assert.ok(t, `${TEMPLATE} in ${JSON.stringify(items.map((x) => x.uriTemplate))}`);
		assert.equal(t.mimeType, 'application/x-ndjson');
		for (const p of PARAMETERS)
			assert.match(t.description, new RegExp(`\\b${p}: `), `${p} described`);
	});

	test('a bad parameter is -32602 naming it and what it takes', async () => {
		const refused = (uri, pattern, op = 'subscribeResource') => assert.rejects(conn.client[op]({ uri }, opts),
			(e) => e instanceof McpError && e.code === -32602 && pattern.test(e.message), `${op} ${uri}`);
		await refused('events://stream?pids=abc', /pids: 'abc' is not an id; pids takes up to 64 thread ids/);
		await refused('events://stream?pid=1',
			/unknown query parameter 'pid'; the parameters are types, pids, tgids, cpus, comm, min_latency_us, sample_rate/);
		await refused('events://stream?types=sched_switch,bogus', /types: 'bogus' is not an event type; types takes .*sched_wakeup/);
		await refused('events://stream?sample_rate=0', /sample_rate: '0' is out of range; .*from 1 \(every event\) to 1000000/);
		await refused('events://stream?comm=a_name_too_long_for_comm', /comm: .* at most 15 bytes/);
		await refused('events://stream?cpus=3-1', /cpus: '3-1' is a range that ends before it starts/, 'readResource');
		await refused('events://stream?min_latency_us=-5', /min_latency_us: '-5' is not a number/, 'readResource');
		// Nothing of these was subscribed: a read of one says so.
		const { header } = await readStream(conn.client, 'events://stream?pids=1');
		assert.equal(header.feed, 'off');
		assert.deepEqual(header.filter, { pids: [1] });
	});

	test('completion offers the event types for the last item of the list', async () => {
		const { completion } = await conn.client.complete(
			{ ref: { type: 'ref/resource', uri: TEMPLATE }, argument: { name: 'types', value: 'sched_switch,sched_wak' } }, opts);
		assert.deepEqual(completion.values,
			['sched_switch,sched_wakeup', 'sched_switch,sched_waking', 'sched_switch,sched_wakeup_new']);
		const pids = (await conn.client.complete(
			{ ref: { type: 'ref/resource', uri: TEMPLATE }, argument: { name: 'pids', value: `1,${process.pid}` } }, opts)).completion;
		assert.ok(pids.values.includes(`1,${process.pid}`), JSON.stringify(pids));
	});

	test('a pid filter and a sampled feed at once on a sched-sleeper', { skip: process.getuid() !== 0 && 'collectord has no BPF programs without root' }, async () => {
		const sleeper = await startSleeper();
		const exact = `events://stream?types=sched_switch,sched_wakeup&pids=${sleeper.pid}`;
		const sampled = `events://stream?pids=${sleeper.pid}&types=sched_switch&sample_rate=10`;
		const notified = new Set();
		conn.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => { notified.add(n.params.uri); });
		try {
			await conn.client.subscribeResource({ uri: exact }, opts);
			await conn.client.subscribeResource({ uri: sampled }, opts);
			// Both collector subscriptions confirmed before the sleeper runs.
			for (let i = 0; i < 50; i++) {
				const states = await Promise.all([exact, sampled].map(async (u) => (await readStream(conn.client, u)).header));
				if (states.every((h) => h.feed === 'on'))
					break;
				assert.ok(states.every((h) => !h.error), JSON.stringify(states));
				await sleep(100);
			}
			sleeper.child.stdin.end('\n');
			await sleeper.exited;

			const switchesOut = (events) => events.filter((e) => e.type === 'sched_switch' && e.prev_pid === sleeper.pid).length;
			const a = await drain(conn.client, exact, (events) => switchesOut(events) >= SLEEPS);
			assert.equal(a.header.feed, 'on');
			assert.deepEqual(a.header.filter, { types: ['sched_switch', 'sched_wakeup'], pids: [sleeper.pid], sample_rate: 1 });
			assert.equal(a.header.sample_rate, 1);
			const stray = a.events.filter((e) => !['sched_switch', 'sched_wakeup'].includes(e.type) || !concerns(e, sleeper.pid));
			assert.deepEqual(stray, [], 'only sched_switch and sched_wakeup of the sleeper');
			const out = switchesOut(a.events);
			const wakeups = a.events.filter((e) => e.type === 'sched_wakeup' && e.pid === sleeper.pid).length;
			if (a.lost === 0) {
				assert.ok(out >= SLEEPS, `${out} switches out of the sleeper for its ${SLEEPS} sleeps`);
				assert.ok(wakeups >= SLEEPS, `${wakeups} wake-ups of the sleeper`);
			}

			const switches = a.events.filter((e) => e.type === 'sched_switch').length;
			const b = await drain(conn.client, sampled, (events) => events.length >= Math.floor(switches / 10));
			assert.deepEqual(b.header.filter, { types: ['sched_switch'], pids: [sleeper.pid], sample_rate: 10 });
			assert.equal(b.header.sample_rate, 10, 'the sampling factor to scale counts by');
			assert.ok(b.events.every((e) => e.type === 'sched_switch' && concerns(e, sleeper.pid)));
			if (a.lost === 0 && b.lost === 0)
				assert.ok(Math.abs(b.events.length - switches / 10) <= 1,
					`1 in 10 of the ${switches} switches: got ${b.events.length}`);

			assert.deepEqual([...notified].sort(), [exact, sampled].sort(), 'notifications name each exact URI');
		} finally {
			sleeper.child.kill();
			await conn.client.unsubscribeResource({ uri: exact }, opts);
			await conn.client.unsubscribeResource({ uri: sampled }, opts);
		}
		const { header } = await readStream(conn.client, exact);
		assert.equal(header.feed, 'off', 'unsubscribed: the feed stops');
	});
});
