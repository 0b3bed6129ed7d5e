// schedmcp driven by the official MCP TypeScript SDK client, over stdio.
//
// Run by run-mcp-tests.sh, which starts a collectord and sets:
//   SCHEDMCP           path of the schedmcp binary under test
//   COLLECTORD_SOCKET  socket of the running collectord
// Uses only node:test and node:assert so that it runs on Node.js 18.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LATEST_PROTOCOL_VERSION, McpError } from '@modelcontextprotocol/sdk/types.js';

const SCHEDMCP = process.env.SCHEDMCP;
const SOCKET = process.env.COLLECTORD_SOCKET;
// What schedmcp speaks, newest first (mcp-frontend/mcp-server.c).
const SCHEDMCP_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];
const RESOURCE_NOT_FOUND = -32002;
const REQUEST_TIMEOUT_MS = 15000; // per MCP request
const TEST_TIMEOUT_MS = 30000;    // per test: nothing here may hang the suite

if (!SCHEDMCP || !existsSync(SCHEDMCP))
	throw new Error(`SCHEDMCP must name the schedmcp binary (got ${JSON.stringify(SCHEDMCP)}); run via run-mcp-tests.sh`);
if (!SOCKET)
	throw new Error('COLLECTORD_SOCKET must name a running collectord socket; run via run-mcp-tests.sh');

// The stdio transport of the SDK has no protocol version of its own; the
// Client hands the negotiated one to any transport that takes it.
class RecordingStdioTransport extends StdioClientTransport {
	setProtocolVersion(version) {
		this.protocolVersion = version;
	}
}

// A connected SDK client; its stderr is kept to explain a failure.
async function connect(socket) {
	const transport = new RecordingStdioTransport({
		command: SCHEDMCP,
		args: [],
		env: { COLLECTORD_SOCKET: socket },
		stderr: 'pipe',
	});
	let stderr = '';
	transport.stderr?.on('data', (d) => { stderr += d; });
	const client = new Client({ name: 'schedmcp-sdk-tests', version: '0.0.0' }, { capabilities: {} });
	await client.connect(transport, { timeout: REQUEST_TIMEOUT_MS });
	return { client, transport, stderr: () => stderr };
}

// Raw JSON-RPC: one line in, the first line out, then stdin closed and the
// exit awaited (schedmcp exits once stdin is closed and all is answered).
function rawExchange(args, message, timeoutMs = REQUEST_TIMEOUT_MS) {
	return new Promise((resolve, reject) => {
		const child = spawn(SCHEDMCP, args, { stdio: ['pipe', 'pipe', 'pipe'] });
		let stderr = '';
		let reply = null;
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`schedmcp did not answer and exit within ${timeoutMs} ms; stderr: ${stderr}`));
		}, timeoutMs);
		child.stderr.on('data', (d) => { stderr += d; });
		child.on('error', (e) => { clearTimeout(timer); reject(e); });
		const lines = createInterface({ input: child.stdout });
		lines.once('line', (line) => {
			reply = line;
			child.stdin.end();
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			if (reply === null)
				reject(new Error(`schedmcp exited (${code ?? signal}) without answering; stderr: ${stderr}`));
			else
				resolve({ reply: JSON.parse(reply), code, signal, stderr });
		});
		child.stdin.write(JSON.stringify(message) + '\n');
	});
}

describe('schedmcp through the MCP SDK client', { timeout: 4 * TEST_TIMEOUT_MS }, () => {
	let conn;

	before(async () => {
		conn = await connect(SOCKET);
	});

	after(async () => {
		await conn?.client.close();
	});

	test('initialize: server identity and negotiated protocol version', { timeout: TEST_TIMEOUT_MS }, () => {
		const info = conn.client.getServerVersion();
		assert.equal(info?.name, 'schedmcp');
		assert.equal(typeof info.version, 'string');
		// The SDK asks for its LATEST_PROTOCOL_VERSION; schedmcp answers
		// with it when it speaks it, else with its own newest.
		const expected = SCHEDMCP_VERSIONS.includes(LATEST_PROTOCOL_VERSION)
			? LATEST_PROTOCOL_VERSION : SCHEDMCP_VERSIONS[0];
		assert.equal(conn.transport.protocolVersion, expected,
			`SDK latest is ${LATEST_PROTOCOL_VERSION}`);
		assert.ok(conn.client.getServerCapabilities()?.resources, 'resources capability');
		assert.match(conn.client.getInstructions() ?? '', /topology:\/\/info/);
	});

	test('ping', { timeout: TEST_TIMEOUT_MS }, async () => {
		const result = await conn.client.ping({ timeout: REQUEST_TIMEOUT_MS });
		assert.deepEqual(result, {});
	});

	test('resources/list has topology://info as JSON', { timeout: TEST_TIMEOUT_MS }, async () => {
		const { resources } = await conn.client.listResources({}, { timeout: REQUEST_TIMEOUT_MS });
		assert.ok(Array.isArray(resources));
		const topo = resources.find((r) => r.uri === 'topology://info');
		assert.ok(topo, `topology://info in ${JSON.stringify(resources.map((r) => r.uri))}`);
		assert.equal(topo.mimeType, 'application/json');
		assert.equal(typeof topo.name, 'string');
	});

	test('resources/read topology://info matches this machine', { timeout: TEST_TIMEOUT_MS }, async () => {
		const result = await conn.client.readResource({ uri: 'topology://info' },
			{ timeout: REQUEST_TIMEOUT_MS });
		assert.equal(result.contents.length, 1);
		const [content] = result.contents;
		assert.equal(content.uri, 'topology://info');
		assert.equal(content.mimeType, 'application/json');
		assert.equal(typeof content.text, 'string');
		const topo = JSON.parse(content.text);
		assert.equal(typeof topo, 'object');
		assert.ok(topo !== null && !Array.isArray(topo));

		for (const key of ['nr_cpus', 'nr_online', 'nr_cores', 'nr_llcs', 'nr_nodes'])
			assert.ok(Number.isInteger(topo[key]) && topo[key] > 0, `${key} = ${topo[key]}`);
		assert.ok(topo.nr_online <= topo.nr_cpus);
		// os.cpus() lists the online CPUs (/proc/stat); nr_cpus counts the
		// possible ones, the same number unless some are offline.
		assert.equal(topo.nr_online, os.cpus().length, 'nr_online vs os.cpus()');
		if (topo.nr_online === topo.nr_cpus)
			assert.equal(topo.nr_cpus, os.cpus().length, 'nr_cpus vs os.cpus()');
		if (typeof os.availableParallelism === 'function') // Node >= 18.14
			assert.ok(os.availableParallelism() <= topo.nr_online, 'availableParallelism <= nr_online');

		assert.ok(Array.isArray(topo.cpus));
		assert.deepEqual(topo.cpus.map((c) => c.id), [...Array(topo.nr_cpus).keys()]);
		for (const cpu of topo.cpus)
			assert.equal(typeof cpu.online, 'boolean', `cpu ${cpu.id} online`);
		assert.equal(topo.cpus.filter((c) => c.online).length, topo.nr_online);
	});

	test('resources/read of an unknown resource is -32002', { timeout: TEST_TIMEOUT_MS }, async () => {
		await assert.rejects(
			conn.client.readResource({ uri: 'nosuch://resource' }, { timeout: REQUEST_TIMEOUT_MS }),
			(err) => {
				assert.ok(err instanceof McpError, `McpError, got ${err?.constructor?.name}: ${err}`);
				assert.equal(err.code, RESOURCE_NOT_FOUND);
				return true;
			});
	});
});

describe('protocol version negotiation (raw JSON-RPC)', () => {
	for (const version of SCHEDMCP_VERSIONS) {
		test(`initialize with ${version} is answered with ${version}`, { timeout: TEST_TIMEOUT_MS }, async () => {
			const { reply, code, stderr } = await rawExchange(['--socket', SOCKET], {
				jsonrpc: '2.0',
				id: 1,
				method: 'initialize',
				params: {
					protocolVersion: version,
					capabilities: {},
					clientInfo: { name: 'raw-test', version: '0.0.0' },
				},
			});
			assert.equal(reply.jsonrpc, '2.0');
			assert.equal(reply.id, 1);
			assert.equal(reply.error, undefined, JSON.stringify(reply.error));
			assert.equal(reply.result.protocolVersion, version);
			assert.equal(reply.result.serverInfo.name, 'schedmcp');
			assert.equal(code, 0, `exit status; stderr: ${stderr}`);
		});
	}
});

describe('collectord not running', { timeout: 4 * TEST_TIMEOUT_MS }, () => {
	let dir;
	let conn;

	before(async () => {
		dir = mkdtempSync(path.join(os.tmpdir(), 'schedmcp-nocollector-'));
		conn = await connect(path.join(dir, 'absent.sock'));
	});

	after(async () => {
		await conn?.client.close();
		if (dir)
			rmSync(dir, { recursive: true, force: true });
	});

	test('initialize still succeeds', { timeout: TEST_TIMEOUT_MS }, async () => {
		assert.equal(conn.client.getServerVersion()?.name, 'schedmcp');
		await conn.client.ping({ timeout: REQUEST_TIMEOUT_MS });
		const { resources } = await conn.client.listResources({}, { timeout: REQUEST_TIMEOUT_MS });
		assert.ok(resources.some((r) => r.uri === 'topology://info'));
	});

	test('resources/read says how to start it', { timeout: TEST_TIMEOUT_MS }, async () => {
		await assert.rejects(
			conn.client.readResource({ uri: 'topology://info' }, { timeout: REQUEST_TIMEOUT_MS }),
			(err) => {
				assert.ok(err instanceof McpError, `McpError, got ${err?.constructor?.name}: ${err}`);
				assert.match(err.message, /collectord is not running/);
				assert.match(err.message, /Start it with/);
				return true;
			});
	});
});
