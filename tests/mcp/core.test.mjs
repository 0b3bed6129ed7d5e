// core.test.mjs: the MCP core's protocol features through the official SDK client, against the
// test-only server (tests/mcp/test-server.c) so that no collector is needed: subscriptions and
// resources/updated, progress, cancellation, paging to the end, the answer budget, concurrency
// (ping while a 10-second tool call runs), the in-flight bound, and each protocol version.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { McpError, ResourceUpdatedNotificationSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { allPages, connect, RawSession, REQUEST_TIMEOUT_MS, TEST_SERVER, TEST_TIMEOUT_MS, VERSIONS } from './helpers.mjs';

const opts = { timeout: REQUEST_TIMEOUT_MS };

describe('subscriptions', { timeout: TEST_TIMEOUT_MS }, () => {
	test('resources/updated arrives while subscribed, not after', async () => {
		const { client } = await connect({ command: TEST_SERVER });
		try {
			assert.equal(client.getServerCapabilities().resources.subscribe, true);
			const updates = [];
			client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => updates.push(n.params.uri));
			await client.subscribeResource({ uri: 'test://watched-resource' }, opts);
			let r = await client.callTool({ name: 'update_watched' }, undefined, opts);
			assert.equal(r.structuredContent.subscribed, true);
			// The notification is written before the tool's answer.
			assert.deepEqual(updates, ['test://watched-resource']);
			const read = await client.readResource({ uri: 'test://watched-resource' }, opts);
			assert.equal(JSON.parse(read.contents[0].text).version, 1);
			await client.unsubscribeResource({ uri: 'test://watched-resource' }, opts);
			r = await client.callTool({ name: 'update_watched' }, undefined, opts);
			assert.equal(r.structuredContent.subscribed, false);
			assert.deepEqual(updates, ['test://watched-resource']);
			// A resource that does not change cannot be subscribed to.
			await assert.rejects(client.subscribeResource({ uri: 'test://static-text' }, opts),
				(e) => e instanceof McpError && e.code === -32602);
			await assert.rejects(client.subscribeResource({ uri: 'test://nope' }, opts),
				(e) => e instanceof McpError && e.code === -32002);
		} finally {
			await client.close();
		}
	});
});

describe('progress and cancellation', { timeout: 2 * TEST_TIMEOUT_MS }, () => {
	test('progress notifications grow, at most one per 100 ms, with messages', async () => {
		const { client } = await connect({ command: TEST_SERVER });
		try {
			const seen = [];
			const r = await client.callTool({ name: 'slow', arguments: { duration_ms: 1000, steps: 20 } }, undefined,
				{ ...opts, onprogress: (p) => seen.push({ ...p, at: performance.now() }) });
			assert.equal(r.structuredContent.steps, 20);
			assert.ok(seen.length >= 5 && seen.length <= 12, `${seen.length} notifications for 20 steps in 1 s`);
			for (let i = 1; i < seen.length; i++) {
				assert.ok(seen[i].progress > seen[i - 1].progress, 'progress grows');
				if (seen[i].progress < seen[i].total)
					assert.ok(seen[i].at - seen[i - 1].at >= 80, 'rate limited');
			}
			assert.equal(seen[0].total, 20);
			assert.match(seen[0].message, /^step \d+ of 20$/);
		} finally {
			await client.close();
		}
		// The SDK hands notifications to their handler a microtask late, so
		// one right before the answer can miss it: on the wire, the last
		// step is always there, before the answer.
		const s = new RawSession(TEST_SERVER);
		try {
			await s.initialize();
			s.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow', arguments: { duration_ms: 500, steps: 20 }, _meta: { progressToken: 't' } } });
			await s.reply(1);
			const last = await s.next((m) => m.method === 'notifications/progress' && m.params.progress === 20, 100);
			assert.equal(last.params.progressToken, 't');
		} finally {
			await s.kill();
		}
	});

	test('notifications/cancelled stops the work and nothing answers the request', async () => {
		const s = new RawSession(TEST_SERVER);
		try {
			await s.initialize();
			s.send({ jsonrpc: '2.0', id: 'long', method: 'tools/call', params: { name: 'slow', arguments: { duration_ms: 3000, steps: 3 } } });
			await new Promise((r) => setTimeout(r, 200));
			s.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'long', reason: 'test' } });
			const stats = await s.request(2, 'tools/call', { name: 'slow_stats' });
			assert.deepEqual(stats.result.structuredContent, { started: 1, cancelled: 1, finished: 0 });
			// Well past the 3 s the call would have taken: still no answer to it.
			await assert.rejects(s.reply('long', 3500), /no matching message/);
			// The id is free again.
			const ping = await s.request('long', 'ping');
			assert.deepEqual(ping.result, {});
		} finally {
			await s.kill();
		}
	});

	test('the SDK client cancels through AbortSignal', async () => {
		const { client } = await connect({ command: TEST_SERVER });
		try {
			const ac = new AbortController();
			const call = client.callTool({ name: 'slow', arguments: { duration_ms: 5000, steps: 5 } }, undefined,
				{ ...opts, signal: ac.signal });
			setTimeout(() => ac.abort('changed my mind'), 300);
			await assert.rejects(call);
			const stats = await client.callTool({ name: 'slow_stats' }, undefined, opts);
			assert.equal(stats.structuredContent.cancelled, 1);
			assert.equal(stats.structuredContent.finished, 0);
		} finally {
			await client.close();
		}
	});
});

describe('concurrency', { timeout: 2 * TEST_TIMEOUT_MS }, () => {
	test('ping is answered while a 10-second tool call runs, not after it', async () => {
		const { client } = await connect({ command: TEST_SERVER });
		try {
			const long = client.callTool({ name: 'slow', arguments: { duration_ms: 10000, steps: 10 } }, undefined,
				{ timeout: 30000 });
			const started = performance.now();
			const times = [];
			await new Promise((r) => setTimeout(r, 500));
			while (performance.now() - started < 9000) {
				const t0 = performance.now();
				await client.ping(opts);
				times.push(performance.now() - t0);
				// A resource read and a list go through too.
				await client.readResource({ uri: 'test://static-text' }, opts);
				await new Promise((r) => setTimeout(r, 250));
			}
			const r = await long;
			assert.equal(r.structuredContent.steps, 10);
			assert.ok(performance.now() - started >= 9500, 'the call really took about 10 s');
			const worst = Math.max(...times);
			console.log(`ping during a 10 s call: ${times.length} pings, worst ${worst.toFixed(1)} ms`);
			assert.ok(times.length >= 20);
			// A ping queued behind the call would wait for its end (seconds); the bound is far from
			// that and from a loaded machine's scheduling delays (the worst is printed, about 5 ms idle).
			assert.ok(worst < 1000, `worst ping ${worst} ms`);
		} finally {
			await client.close();
		}
	});

	test('requests in flight are bounded with a clear error; ping still goes', async () => {
		const s = new RawSession(TEST_SERVER, ['--max-in-flight', '2']);
		try {
			await s.initialize();
			for (const id of [1, 2])
				s.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'slow', arguments: { duration_ms: 2000, steps: 2 } } });
			const refused = await s.request(3, 'resources/list');
			assert.equal(refused.error.code, -32603);
			assert.match(refused.error.message, /Too many requests in flight \(2/);
			assert.equal(refused.error.data.limit, 2);
			assert.deepEqual((await s.request(4, 'ping')).result, {});
			await s.reply(1, 5000);
			assert.ok((await s.request(5, 'resources/list')).result.resources.length > 0);
		} finally {
			await s.kill();
		}
	});
});

describe('paging and the answer budget', { timeout: TEST_TIMEOUT_MS }, () => {
	test('every list pages to the end with opaque cursors', async () => {
		const { client } = await connect({ command: TEST_SERVER, args: ['--page-size', '2'] });
		const { client: whole } = await connect({ command: TEST_SERVER });
		try {
			for (const [method, key] of [['listResources', 'resources'], ['listTools', 'tools'],
				['listPrompts', 'prompts'], ['listResourceTemplates', 'resourceTemplates']]) {
				const paged = await allPages((p) => client[method](p, opts), key);
				const all = (await whole[method]({}, opts))[key];
				assert.deepEqual(paged.items.map((x) => x.name), all.map((x) => x.name), method);
				assert.equal(paged.pages, Math.max(1, Math.ceil(all.length / 2)), `${method} pages`);
			}
			await assert.rejects(client.listTools({ cursor: 'not-a-cursor' }, opts),
				(e) => e instanceof McpError && e.code === -32602);
		} finally {
			await client.close();
			await whole.close();
		}
	});

	test('a large answer is cut at a JSON boundary and says how to get the rest', async () => {
		const { client } = await connect({ command: TEST_SERVER, args: ['--max-answer-tokens', '1000'] });
		try {
			const r = await client.callTool({ name: 'big', arguments: { n: 2000, offset: 0 } }, undefined, opts);
			assert.equal(r.isError, false);
			const doc = r.structuredContent;
			assert.ok(doc.items.length > 0 && doc.items.length < 2000);
			assert.deepEqual(doc.items.map((x) => x.index), [...Array(doc.items.length).keys()], 'the head, in order');
			assert.equal(doc.truncated.cuts[0].path, '/items');
			assert.equal(doc.truncated.cuts[0].total, 2000);
			const note = r.content.find((c) => c.type === 'text' && /was cut/.test(c.text));
			assert.ok(note, 'a text note');
			assert.match(note.text, new RegExp(`call big again with offset=${doc.items.length}`));
			// The next page continues where the cut was.
			const next = await client.callTool({ name: 'big', arguments: { n: 5, offset: doc.items.length } }, undefined, opts);
			assert.equal(next.structuredContent.items[0].index, doc.items.length);
			assert.ok(JSON.stringify(r).length < 4000 + 200);
		} finally {
			await client.close();
		}
	});
});

describe('each protocol version gets only its fields', { timeout: 2 * TEST_TIMEOUT_MS }, () => {
	for (const version of VERSIONS) {
		test(version, async () => {
			const { client, transport } = await connect({ command: TEST_SERVER, version });
			try {
				assert.equal(transport.protocolVersion, version);
				const caps = client.getServerCapabilities();
				const has = (since) => version >= since;
				assert.equal('completions' in caps, has('2025-03-26'), 'completions capability');
				assert.ok(caps.logging && caps.prompts && caps.tools && caps.resources);
				const info = client.getServerVersion();
				assert.equal('title' in info, has('2025-06-18'), 'serverInfo.title');
				const { tools } = await client.listTools({}, opts);
				const slow = tools.find((t) => t.name === 'slow');
				assert.equal('title' in slow, has('2025-06-18'), 'tool title');
				assert.equal('annotations' in slow, has('2025-03-26'), 'tool annotations');
				assert.equal('outputSchema' in slow, has('2025-06-18'), 'tool outputSchema');
				const r = await client.callTool({ name: 'slow', arguments: { duration_ms: 10, steps: 1 } }, undefined, opts);
				assert.equal('structuredContent' in r, has('2025-06-18'), 'structuredContent');
				const { prompts } = await client.listPrompts({}, opts);
				assert.equal('title' in prompts[0], has('2025-06-18'), 'prompt title');
				const { resources } = await client.listResources({}, opts);
				assert.equal('title' in resources[0], has('2025-06-18'), 'resource title');
				const progress = [];
				await client.callTool({ name: 'slow', arguments: { duration_ms: 300, steps: 2 } }, undefined,
					{ ...opts, onprogress: (p) => progress.push(p) });
				assert.ok(progress.length >= 1);
				assert.equal('message' in progress[0], has('2025-03-26'), 'progress message');
				// Audio content exists from 2025-03-26 on.
				const audio = await client.callTool({ name: 'test_audio_content' }, undefined, opts);
				assert.equal(audio.isError ?? false, !has('2025-03-26'));
				const c = await client.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' },
					argument: { name: 'color', value: 'g' } }, opts);
				assert.deepEqual(c.completion.values, ['green']);
			} finally {
				await client.close();
			}
		});
	}
});

describe('logging', { timeout: TEST_TIMEOUT_MS }, () => {
	test('logging/setLevel filters notifications/message', async () => {
		const { client } = await connect({ command: TEST_SERVER });
		try {
			const logs = [];
			client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params));
			await client.callTool({ name: 'test_tool_with_logging' }, undefined, opts);
			assert.equal(logs.filter((l) => l.level === 'info').length, 3);
			await client.setLoggingLevel('warning', opts);
			await client.callTool({ name: 'test_tool_with_logging' }, undefined, opts);
			assert.equal(logs.length, 3, 'info is below warning');
			await assert.rejects(client.request({ method: 'logging/setLevel', params: { level: 'loud' } },
				(await import('@modelcontextprotocol/sdk/types.js')).EmptyResultSchema, opts));
		} finally {
			await client.close();
		}
	});
});
