// wire.test.mjs: raw JSON-RPC on schedmcp's stdio: what a careless or hostile client sends is
// answered or ignored as JSON-RPC 2.0 and MCP say, and schedmcp never crashes. Also the
// 2026-07-28 stateless probe, --oneshot and the end of stdin.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { RawSession, SCHEDMCP, SOCKET, TEST_TIMEOUT_MS, VERSIONS } from './helpers.mjs';

async function session(args = []) {
	return new RawSession(SCHEDMCP, ['--socket', SOCKET, ...args]);
}

async function closesCleanly(s) {
	const { code, signal } = await s.close();
	assert.equal(signal, null, `schedmcp died of ${signal}; stderr: ${s.stderr}`);
	assert.equal(code, 0, `exit status; stderr: ${s.stderr}`);
}

describe('malformed input', { timeout: TEST_TIMEOUT_MS }, () => {
	test('parse errors, invalid requests, unknown methods', async () => {
		const s = await session();
		s.send('{"jsonrpc":"2.0","id":1,"method":"ping"');           // cut short
		let m = await s.next();
		assert.equal(m.error.code, -32700);
		assert.equal(m.id, null);
		s.send('not json at all');
		assert.equal((await s.next()).error.code, -32700);
		s.send('{"jsonrpc":"2.0","id":2,"method":"ping","id":3}');   // duplicate key
		assert.equal((await s.next()).error.code, -32700);
		s.send('{"jsonrpc":"1.0","id":4,"method":"ping"}');
		m = await s.reply(4);
		assert.equal(m.error.code, -32600);
		s.send('{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}');   // ids are strings or integers
		m = await s.next();
		assert.equal(m.error.code, -32600);
		s.send('42');
		assert.equal((await s.next()).error.code, -32600);
		m = await s.request(5, 'no/such/method');
		assert.equal(m.error.code, -32601);
		// Before initialize only ping works.
		m = await s.request(6, 'tools/list');
		assert.equal(m.error.code, -32600);
		assert.deepEqual((await s.request(7, 'ping')).result, {});
		await s.initialize(VERSIONS[0]);
		m = await s.request(8, 'tools/call', { name: 'get_topology', arguments: { detail_level: 'huge' } });
		// 2025-11-25: argument errors are tool results the model can read.
		assert.equal(m.result.isError, true);
		assert.match(m.result.content[0].text, /detail_level: must be one of: summary, full/);
		m = await s.request(9, 'tools/call', { name: 'get_topology', arguments: [] });
		assert.equal(m.error.code, -32602);
		await closesCleanly(s);
	});

	test('a notification, even an unknown one or with a request method, is never answered', async () => {
		const s = await session();
		await s.initialize();
		s.send({ jsonrpc: '2.0', method: 'ping' });                  // no id: a notification
		s.send({ jsonrpc: '2.0', method: 'tools/list' });
		s.send({ jsonrpc: '2.0', method: 'notifications/whatever', params: { x: 1 } });
		s.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 999 } });
		const m = await s.request('after', 'ping');
		assert.equal(m.id, 'after');
		assert.equal(s.queue.length, 0, `nothing else came: ${JSON.stringify(s.queue)}`);
		await closesCleanly(s);
	});

	test('a message over --max-line is refused and the session goes on', async () => {
		const s = await session(['--max-line', '65536']);
		await s.initialize();
		s.send({ jsonrpc: '2.0', id: 'huge', method: 'ping', params: { pad: 'x'.repeat(1 << 20) } });
		const m = await s.next();
		assert.equal(m.error.code, -32600);
		assert.match(m.error.message, /longer than 65536 bytes/);
		assert.deepEqual((await s.request('next', 'ping')).result, {});
		await closesCleanly(s);
	});

	test('batches: answered together in 2025-03-26, refused from 2025-06-18 on', async () => {
		let s = await session();
		await s.initialize('2025-03-26');
		s.send([{ jsonrpc: '2.0', id: 1, method: 'ping' }, { jsonrpc: '2.0', method: 'notifications/x' },
			{ jsonrpc: '2.0', id: 2, method: 'resources/templates/list' }]);
		let m = await s.next();
		assert.ok(Array.isArray(m), JSON.stringify(m));
		assert.deepEqual(m.map((x) => x.id).sort(), [1, 2]);
		s.send('[]');
		assert.equal((await s.next()).error.code, -32600);
		await closesCleanly(s);

		s = await session();
		await s.initialize('2025-06-18');
		s.send([{ jsonrpc: '2.0', id: 1, method: 'ping' }]);
		m = await s.next();
		assert.equal(m.error.code, -32600);
		assert.match(m.error.message, /batches were removed/);
		await closesCleanly(s);
	});

	test('responses to requests never sent are ignored', async () => {
		const s = await session();
		await s.initialize();
		s.send({ jsonrpc: '2.0', id: 'x1', result: {} });
		s.send({ jsonrpc: '2.0', id: 77, error: { code: 1, message: 'm' } });
		assert.equal((await s.request(1, 'ping')).id, 1);
		assert.equal(s.queue.length, 0);
		await closesCleanly(s);
	});
});

describe('lifecycle', { timeout: TEST_TIMEOUT_MS }, () => {
	test('a 2026-07-28 client probing with server/discover gets a plain error, then initialize works', async () => {
		const s = await session();
		const t0 = performance.now();
		const m = await s.request('discover-1', 'server/discover', {
			_meta: {
				'io.modelcontextprotocol/protocolVersion': '2026-07-28',
				'io.modelcontextprotocol/clientInfo': { name: 'modern', version: '1' },
				'io.modelcontextprotocol/clientCapabilities': {},
			},
		});
		assert.ok(performance.now() - t0 < 2000, 'answered at once, no hang');
		// Not a modern error (e.g. -32022 UnsupportedProtocolVersion): the
		// client treats us as legacy and falls back to initialize.
		assert.equal(m.error.code, -32601);
		assert.notEqual(m.error.code, -32022);
		assert.match(m.error.message, /send initialize/);
		const init = await s.request(1, 'initialize', { protocolVersion: '2026-07-28', capabilities: {},
			clientInfo: { name: 'modern', version: '1' } });
		assert.equal(init.result.protocolVersion, VERSIONS[0]);
		await closesCleanly(s);
	});

	test('requests sent before stdin closes are all answered, then schedmcp exits 0', async () => {
		const s = await session();
		s.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: VERSIONS[0], capabilities: {}, clientInfo: { name: 'r', version: '0' } } });
		s.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
		for (let i = 1; i <= 5; i++)
			s.send({ jsonrpc: '2.0', id: i, method: i % 2 ? 'ping' : 'resources/read', params: i % 2 ? undefined : { uri: 'topology://info' } });
		const { code, signal } = await s.close();
		assert.equal(signal, null);
		assert.equal(code, 0);
		const ids = s.queue.filter((m) => m.id !== undefined).map((m) => m.id).sort();
		assert.deepEqual(ids, [0, 1, 2, 3, 4, 5]);
	});

	test('--oneshot answers initialize and one request, then exits 0', async () => {
		const s = await session(['--oneshot']);
		await s.initialize();
		const m = await s.request(1, 'tools/list');
		assert.ok(m.result.tools.length > 0);
		const { code, signal } = await s.exited;
		assert.equal(signal, null);
		assert.equal(code, 0);
		assert.equal(s.queue.length, 0, 'nothing after the answer');
	});
});
