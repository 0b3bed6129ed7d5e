// schedmcp.test.mjs: every resource, template, tool and prompt schedmcp lists, used through the
// official SDK client with the collectord run-mcp-tests.sh started; completion; each protocol
// version; and measure_context_switches as the long call: progress, cancellation, and a ping
// answered while it runs for 10 s, not after it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { McpError } from '@modelcontextprotocol/sdk/types.js';

import { allPages, connect, REQUEST_TIMEOUT_MS, TEST_TIMEOUT_MS, VERSIONS } from './helpers.mjs';

const opts = { timeout: REQUEST_TIMEOUT_MS };
const BUDGET_BYTES = 80000; // the default answer budget: 20000 tokens of 4 bytes

// Arguments a template is read with in these tests.
const TEMPLATE_ARGS = {
	detail: 'summary', include_offline: 'true', subsystem: 'sched', filter: 'switch', offset: '0', limit: '5',
	window: '5', sort: 'runtime', group_by: 'thread', comm: 'sh', types: 'sched_switch,sched_wakeup',
};

function expand(uriTemplate) {
	const [base, query] = uriTemplate.split('{?');
	if (!query)
		return base;
	const vars = query.replace('}', '').split(',');
	return `${base}?${vars.map((v) => `${v}=${encodeURIComponent(TEMPLATE_ARGS[v] ?? '1')}`).join('&')}`;
}

describe('everything schedmcp lists', { timeout: 8 * TEST_TIMEOUT_MS }, () => {
	let conn;

	before(async () => {
		conn = await connect();
	});

	after(async () => {
		await conn?.client.close();
	});

	test('every resource reads as JSON (or NDJSON) within the budget', { timeout: 4 * TEST_TIMEOUT_MS }, async () => {
		const { items } = await allPages((p) => conn.client.listResources(p, opts), 'resources');
		assert.ok(items.length >= 10);
		for (const r of items) {
			let result;
			try {
				result = await conn.client.readResource({ uri: r.uri }, { timeout: 30000 });
			} catch (e) {
				// A resource that cannot answer now says what to do instead.
				assert.ok(e instanceof McpError && e.message.length > 40, `${r.uri}: ${e}`);
				continue;
			}
			assert.equal(result.contents[0].uri, r.uri);
			assert.equal(result.contents[0].mimeType, r.mimeType, `${r.uri}: the type it was listed with`);
			// JSON documents, or NDJSON (the event stream): every line an object.
			const docs = r.mimeType === 'application/x-ndjson'
				? result.contents[0].text.split('\n').filter((l) => l).map((l) => JSON.parse(l))
				: [JSON.parse(result.contents[0].text)];
			assert.ok(['application/json', 'application/x-ndjson'].includes(r.mimeType), r.uri);
			for (const doc of docs)
				assert.equal(typeof doc, 'object', r.uri);
			assert.ok(JSON.stringify(result).length <= BUDGET_BYTES, `${r.uri} within the budget`);
		}
	});

	test('every template reads with arguments; bad arguments are -32602', { timeout: 2 * TEST_TIMEOUT_MS }, async () => {
		const { items } = await allPages((p) => conn.client.listResourceTemplates(p, opts), 'resourceTemplates');
		assert.ok(items.length >= 5);
		for (const t of items) {
			const uri = expand(t.uriTemplate);
			const result = await conn.client.readResource({ uri }, opts);
			assert.equal(result.contents[0].uri, uri);
			JSON.parse(result.contents[0].text);
		}
		const limited = JSON.parse((await conn.client.readResource({ uri: 'events://perf?limit=3&subsystem=sched' }, opts)).contents[0].text);
		assert.ok(limited.events.length <= 3);
		await assert.rejects(conn.client.readResource({ uri: 'events://perf?limit=lots' }, opts),
			(e) => e instanceof McpError && e.code === -32602 && /limit: must be an integer/.test(e.message));
		await assert.rejects(conn.client.readResource({ uri: 'topology://info?colour=red' }, opts),
			(e) => e instanceof McpError && e.code === -32602);
	});

	test('every tool answers (or says what to do) with annotations and matching structured output', { timeout: 2 * TEST_TIMEOUT_MS }, async () => {
		const { items } = await allPages((p) => conn.client.listTools(p, opts), 'tools');
		assert.ok(items.length >= 5);
		for (const t of items) {
			assert.equal(typeof t.title, 'string', `${t.name} title`);
			assert.equal(t.annotations?.openWorldHint, false, `${t.name} openWorldHint`);
			assert.equal(typeof t.annotations?.readOnlyHint, 'boolean');
			const args = t.name === 'measure_context_switches' ? { duration_secs: 1 } : {};
			const r = await conn.client.callTool({ name: t.name, arguments: args }, undefined, { timeout: 30000 });
			if (r.isError) {
				// A run-time failure is a sentence saying what to do.
				assert.ok(r.content[0].text.length > 20, `${t.name}: ${r.content[0].text}`);
				continue;
			}
			if (t.outputSchema) {
				assert.equal(typeof r.structuredContent, 'object', `${t.name} structuredContent`);
				for (const key of t.outputSchema.required ?? [])
					assert.ok(key in r.structuredContent, `${t.name}: ${key}`);
			}
		}
	});

	test('every prompt renders with its arguments; bad arguments are -32602', { timeout: TEST_TIMEOUT_MS }, async () => {
		const { items } = await allPages((p) => conn.client.listPrompts(p, opts), 'prompts');
		assert.deepEqual(items.map((p) => p.name).sort(), ['analyze_cpu_imbalance', 'analyze_scheduler_performance',
			'debug_high_latency', 'investigate_scheduler_behavior', 'summarize_system']);
		const values = { focus_area: 'latency', pid: String(process.pid), scheduler_name: 'scx_lavd' };
		for (const p of items) {
			const args = Object.fromEntries((p.arguments ?? []).map((a) => [a.name, values[a.name]]));
			const r = await conn.client.getPrompt({ name: p.name, arguments: args }, opts);
			assert.equal(r.messages[0].role, 'user');
			assert.match(r.messages[0].content.text, /\n1\. .*\n2\. /s);
		}
		await assert.rejects(conn.client.getPrompt({ name: 'analyze_scheduler_performance', arguments: { focus_area: 'speed' } }, opts),
			(e) => e instanceof McpError && e.code === -32602 && /focus_area: must be one of latency, throughput, balance, general/.test(e.message));
		await assert.rejects(conn.client.getPrompt({ name: 'debug_high_latency', arguments: { pid: 'abc' } }, opts),
			(e) => e instanceof McpError && e.code === -32602);
		await assert.rejects(conn.client.getPrompt({ name: 'analyze_scheduler_performance', arguments: {} }, opts),
			(e) => e instanceof McpError && e.code === -32602 && /focus_area: required/.test(e.message));
	});

	test('completion offers running pids, scheduler names, focus areas and template values', { timeout: TEST_TIMEOUT_MS }, async () => {
		const complete = async (ref, name, value) =>
			(await conn.client.complete({ ref, argument: { name, value } }, opts)).completion;
		const pids = await complete({ type: 'ref/prompt', name: 'debug_high_latency' }, 'pid', String(process.pid));
		assert.ok(pids.values.includes(String(process.pid)), JSON.stringify(pids));
		const all = await complete({ type: 'ref/prompt', name: 'debug_high_latency' }, 'pid', '');
		assert.ok(all.values.length <= 100 && all.total >= all.values.length);
		assert.equal(all.hasMore, all.total > 100);
		const scheds = await complete({ type: 'ref/prompt', name: 'investigate_scheduler_behavior' }, 'scheduler_name', 'scx_r');
		assert.ok(scheds.values.includes('scx_rusty'));
		assert.ok(scheds.values.every((v) => v.startsWith('scx_r')));
		const focus = await complete({ type: 'ref/prompt', name: 'analyze_scheduler_performance' }, 'focus_area', 't');
		assert.deepEqual(focus.values, ['throughput']);
		const detail = await complete({ type: 'ref/resource', uri: 'topology://info{?detail,include_offline}' }, 'detail', '');
		assert.deepEqual(detail.values, ['summary', 'full']);
	});
});

describe('the answer budget on real answers', { timeout: 2 * TEST_TIMEOUT_MS }, () => {
	test('--max-answer-tokens 1000: a long read and a long tool answer are cut, saying how to go on', async () => {
		const { client } = await connect({ args: ['--max-answer-tokens', '1000'] });
		try {
			const total = JSON.parse((await client.readResource({ uri: 'events://perf?limit=0' }, opts)).contents[0].text).total;
			if (total < 200)
				return; // a kernel with few tracepoints fits anyway
			const r = await client.readResource({ uri: 'events://perf?limit=1000&offset=10' }, opts);
			assert.ok(JSON.stringify(r).length < 4000 + 300);
			const doc = JSON.parse(r.contents[0].text);
			assert.equal(doc.truncated.cuts[0].path, '/events');
			assert.equal(doc.truncated.cuts[0].kept, doc.events.length);
			assert.match(doc.truncated.note, new RegExp(`read events://perf\\{\\?subsystem,filter,offset,limit\\} with offset=${10 + doc.events.length}`));
			const t = await client.callTool({ name: 'list_events', arguments: { limit: 1000, offset: 5 } }, undefined, opts);
			assert.equal(t.isError, false);
			assert.match(t.content.at(-1).text, new RegExp(`call list_events again with offset=${5 + t.structuredContent.events.length}`));
		} finally {
			await client.close();
		}
	});
});

describe('protocol versions on schedmcp', { timeout: 4 * TEST_TIMEOUT_MS }, () => {
	for (const version of VERSIONS) {
		test(version, async () => {
			const { client, transport } = await connect({ version });
			try {
				assert.equal(transport.protocolVersion, version);
				const has = (since) => version >= since;
				const info = client.getServerVersion();
				assert.equal(info.name, 'schedmcp');
				assert.equal('title' in info, has('2025-06-18'));
				assert.equal('icons' in info, has('2025-11-25'));
				assert.equal('completions' in client.getServerCapabilities(), has('2025-03-26'));
				const { tools } = await client.listTools({}, opts);
				const topo = tools.find((t) => t.name === 'get_topology');
				assert.equal('annotations' in topo, has('2025-03-26'));
				assert.equal('title' in topo, has('2025-06-18'));
				assert.equal('outputSchema' in topo, has('2025-06-18'));
				const r = await client.callTool({ name: 'get_topology', arguments: {} }, undefined, opts);
				assert.equal('structuredContent' in r, has('2025-06-18'));
				assert.ok(JSON.parse(r.content[0].text).nr_cpus > 0);
				const { resourceTemplates } = await client.listResourceTemplates({}, opts);
				assert.equal('title' in resourceTemplates[0], has('2025-06-18'));
			} finally {
				await client.close();
			}
		});
	}
});

describe('measure_context_switches: a long call', { timeout: 4 * TEST_TIMEOUT_MS }, () => {
	let conn;
	let why;

	before(async () => {
		conn = await connect();
		const r = await conn.client.callTool({ name: 'measure_context_switches', arguments: { duration_secs: 1 } }, undefined, opts);
		if (r.isError)
			why = r.content[0].text;
	});

	after(async () => {
		await conn?.client.close();
	});

	test('ping answered during a 10 s call, not after it, with progress each second', { timeout: TEST_TIMEOUT_MS }, async (t) => {
		if (why)
			return t.skip(`collectord cannot count: ${why}`);
		const progress = [];
		const started = performance.now();
		const call = conn.client.callTool({ name: 'measure_context_switches', arguments: { duration_secs: 10 } }, undefined,
			{ timeout: 30000, onprogress: (p) => progress.push(p) });
		const times = [];
		await new Promise((r) => setTimeout(r, 300));
		while (performance.now() - started < 9000) {
			const t0 = performance.now();
			await conn.client.ping(opts);
			times.push(performance.now() - t0);
			await new Promise((r) => setTimeout(r, 250));
		}
		const r = await call;
		assert.equal(r.isError, false, r.content[0].text);
		assert.ok(r.structuredContent.window_s >= 9.5 && r.structuredContent.window_s < 12);
		assert.ok(r.structuredContent.switches > 0);
		assert.equal(r.structuredContent.per_cpu.length > 0, true);
		const worst = Math.max(...times);
		console.log(`ping during measure_context_switches (10 s): ${times.length} pings, worst ${worst.toFixed(1)} ms; ${progress.length} progress notifications`);
		// A ping queued behind the call would wait for its end (seconds); the bound is far from
		// that and from a loaded machine's scheduling delays (the worst is printed, about 5 ms idle).
		assert.ok(worst < 1000, `worst ping ${worst} ms`);
		assert.ok(progress.length >= 8, `${progress.length} progress notifications`);
		assert.equal(progress[0].total, 10);
	});

	test('cancelling it stops the count in collectord', { timeout: TEST_TIMEOUT_MS }, async (t) => {
		if (why)
			return t.skip(`collectord cannot count: ${why}`);
		const ac = new AbortController();
		const call = conn.client.callTool({ name: 'measure_context_switches', arguments: { duration_secs: 20 } }, undefined,
			{ timeout: 30000, signal: ac.signal });
		await new Promise((r) => setTimeout(r, 1500));
		ac.abort('enough');
		await assert.rejects(call);
		// The collector holds no call for us any more: a new one runs at once.
		const r = await conn.client.callTool({ name: 'measure_context_switches', arguments: { duration_secs: 1 } }, undefined, opts);
		assert.equal(r.isError, false);
	});
});

describe('README client configurations, tried with the SDK client as a stand-in', { timeout: 2 * TEST_TIMEOUT_MS }, () => {
	const readme = readFileSync(`${process.env.SCHEDMCP_SOURCE_DIR}/README.md`, 'utf8');
	const installed = '/usr/local/bin/schedmcp';

	function jsonBlocks() {
		return [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]));
	}

	const configs = [
		['Claude Desktop', () => jsonBlocks().find((j) => j.mcpServers)?.mcpServers.schedmcp],
		['VS Code', () => jsonBlocks().find((j) => j.servers)?.servers.schedmcp],
		['Claude Code', () => {
			const m = readme.match(/claude mcp add(?: --transport stdio)? schedmcp -- (\S+)(.*)/);
			return m && { command: m[1], args: m[2].trim() ? m[2].trim().split(/\s+/) : [] };
		}],
	];
	for (const [client, pick] of configs) {
		test(client, async () => {
			const cfg = pick();
			assert.ok(cfg, `README has a ${client} configuration`);
			assert.equal(cfg.command, installed);
			if (cfg.type)
				assert.equal(cfg.type, 'stdio');
			// The same command and arguments, with the binary under test.
			const { client: c } = await connect({ command: process.env.SCHEDMCP, args: cfg.args ?? [] });
			try {
				assert.equal(c.getServerVersion().name, 'schedmcp');
				assert.ok((await c.listTools({}, opts)).tools.length > 0);
				await c.readResource({ uri: 'topology://info' }, opts);
			} finally {
				await c.close();
			}
		});
	}
});
