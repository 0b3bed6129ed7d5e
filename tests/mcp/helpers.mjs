// helpers.mjs: what the MCP test files share: the binaries under test, SDK clients that speak a
// chosen protocol version, and a raw JSON-RPC session over a child's stdio.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

export const SCHEDMCP = process.env.SCHEDMCP;
export const SOCKET = process.env.COLLECTORD_SOCKET;
export const TEST_SERVER = process.env.MCP_TEST_SERVER;
export const SOURCE_DIR = process.env.SCHEDMCP_SOURCE_DIR;
// A Node.js >= 22 for the tools that need it (conformance suite); may be unset.
export const NODE22 = process.env.NODE22;

// What the MCP core speaks, newest first (mcp-frontend/mcp-server.c).
export const VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];
export const REQUEST_TIMEOUT_MS = 15000;
export const TEST_TIMEOUT_MS = 60000;

for (const [name, path] of [['SCHEDMCP', SCHEDMCP], ['MCP_TEST_SERVER', TEST_SERVER]])
	if (!path || !existsSync(path))
		throw new Error(`${name} must name a built binary (got ${JSON.stringify(path)}); run via run-mcp-tests.sh`);

// The SDK client always asks for its newest version; this transport asks for
// `version` instead, so that each version is tested through the real client
// (which accepts every version it knows), and records what was agreed.
class VersionedStdioTransport extends StdioClientTransport {
	constructor(params, version) {
		super(params);
		this.askVersion = version;
	}

	send(message, options) {
		if (this.askVersion && message.method === 'initialize')
			message = { ...message, params: { ...message.params, protocolVersion: this.askVersion } };
		return super.send(message, options);
	}

	setProtocolVersion(version) {
		this.protocolVersion = version;
	}
}

// An SDK client connected to command (stdio); its stderr is kept to explain a failure.
export async function connect({ command = SCHEDMCP, args = [], env = {}, version, capabilities = {} } = {}) {
	const transport = new VersionedStdioTransport({
		command,
		args,
		env: { PATH: process.env.PATH, COLLECTORD_SOCKET: SOCKET, ...env },
		stderr: 'pipe',
	}, version);
	let stderr = '';
	transport.stderr?.on('data', (d) => { stderr += d; });
	const client = new Client({ name: 'schedmcp-tests', version: '0.0.0' }, { capabilities });
	await client.connect(transport, { timeout: REQUEST_TIMEOUT_MS });
	return { client, transport, stderr: () => stderr };
}

// A JSON-RPC session over a child's stdin/stdout, message by message.
export class RawSession {
	constructor(command, args = [], env = {}) {
		this.child = spawn(command, args, {
			stdio: ['pipe', 'pipe', 'pipe'],
			env: { PATH: process.env.PATH, COLLECTORD_SOCKET: SOCKET, ...env },
		});
		this.queue = [];
		this.waiters = [];
		this.stderr = '';
		this.child.stderr.on('data', (d) => { this.stderr += d; });
		this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
		createInterface({ input: this.child.stdout }).on('line', (line) => {
			const msg = JSON.parse(line);
			msg.receivedAt = performance.now();
			this.queue.push(msg);
			this.wake();
		});
	}

	wake() {
		for (const w of [...this.waiters]) {
			const i = this.queue.findIndex(w.match);
			if (i >= 0) {
				this.waiters.splice(this.waiters.indexOf(w), 1);
				clearTimeout(w.timer);
				w.resolve(this.queue.splice(i, 1)[0]);
			}
		}
	}

	send(msg) {
		this.child.stdin.write((typeof msg === 'string' ? msg : JSON.stringify(msg)) + '\n');
	}

	// The first message (already received or to come) that matches.
	next(match = () => true, timeoutMs = REQUEST_TIMEOUT_MS) {
		return new Promise((resolve, reject) => {
			const w = { match, resolve };
			w.timer = setTimeout(() => {
				this.waiters.splice(this.waiters.indexOf(w), 1);
				reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.queue)}; stderr: ${this.stderr}`));
			}, timeoutMs);
			this.waiters.push(w);
			this.wake();
		});
	}

	reply(id, timeoutMs) {
		return this.next((m) => m.id === id && m.method === undefined, timeoutMs);
	}

	async request(id, method, params, timeoutMs) {
		this.send({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
		return this.reply(id, timeoutMs);
	}

	async initialize(version = VERSIONS[0], capabilities = {}) {
		const r = await this.request(0, 'initialize', {
			protocolVersion: version, capabilities, clientInfo: { name: 'raw', version: '0' },
		});
		this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
		return r;
	}

	close() {
		this.child.stdin.end();
		return this.exited;
	}

	kill() {
		this.child.kill('SIGKILL');
		return this.exited;
	}
}

// Every page of a list, following nextCursor to the end.
export async function allPages(list, key) {
	const items = [];
	let cursor;
	let pages = 0;
	do {
		const page = await list(cursor ? { cursor } : {});
		items.push(...page[key]);
		cursor = page.nextCursor;
		pages++;
	} while (cursor && pages < 1000);
	return { items, pages };
}
