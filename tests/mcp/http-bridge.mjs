// http-bridge.mjs: a test-only Streamable HTTP front for a stdio MCP server, written with the
// official SDK's server transport, so that HTTP-only clients (the MCP conformance suite) can
// drive schedmcp's MCP core. One stdio child per HTTP session; JSON-RPC messages pass through
// unchanged. The SDK transport does the HTTP side (sessions, SSE streams, Accept and Host
// checks); the bridge only decides which HTTP stream a message from the child belongs to:
//   responses          -> the stream of their request (by id, the SDK does it)
//   progress           -> the request that gave that progressToken
//   logs, our requests -> the newest client request still in flight (none: the GET stream)
//   resources/updated  -> the GET stream
// It keeps the events of each session in memory (resumability, SEP-1699: a client that lost an
// SSE stream reconnects with Last-Event-ID), and plays the HTTP part of the conformance suite's
// test_reconnection tool: it closes the call's SSE stream while the server is still working.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

// The SDK's EventStore interface, in memory: one stream id per SSE stream.
function memoryEventStore() {
	const events = [];
	return {
		async storeEvent(streamId, message) {
			const eventId = `${streamId}::${String(events.length).padStart(8, '0')}`;
			events.push({ eventId, streamId, message });
			return eventId;
		},
		async replayEventsAfter(lastEventId, { send }) {
			const streamId = lastEventId.split('::')[0];
			for (const e of events)
				if (e.streamId === streamId && e.eventId > lastEventId)
					await send(e.eventId, e.message);
			return streamId;
		},
	};
}

export async function startBridge({ command, args = [], host = '127.0.0.1', port = 0, log = () => {} }) {
	const app = createMcpExpressApp({ host }); // DNS rebinding protection on localhost
	const sessions = new Map(); // session id -> { transport, child }
	const children = new Set();

	async function newSession() {
		const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
		const inFlight = new Map(); // client request id -> method, in arrival order
		const tokens = new Map();   // progressToken -> client request id
		children.add(child);
		const transport = new StreamableHTTPServerTransport({
			sessionIdGenerator: () => randomUUID(),
			eventStore: memoryEventStore(),
			retryInterval: 500,
			onsessioninitialized: (id) => sessions.set(id, { transport, child }),
		});
		transport.onmessage = (msg) => {
			if (msg.method !== undefined && msg.id !== undefined) {
				inFlight.set(msg.id, msg.method);
				const token = msg.params?._meta?.progressToken;
				if (token !== undefined)
					tokens.set(token, msg.id);
			}
			child.stdin.write(JSON.stringify(msg) + '\n');
			if (msg.method === 'tools/call' && msg.params?.name === 'test_reconnection')
				setTimeout(() => transport.closeSSEStream(msg.id), 20);
		};
		transport.onclose = () => {
			child.stdin.end();
			if (transport.sessionId)
				sessions.delete(transport.sessionId);
		};
		child.on('exit', () => children.delete(child));
		createInterface({ input: child.stdout }).on('line', (line) => {
			let msg;
			try {
				msg = JSON.parse(line);
			} catch (e) {
				log(`bridge: not JSON from the server: ${line}`);
				return;
			}
			if (msg.method === undefined) { // a response
				inFlight.delete(msg.id);
				for (const [token, id] of tokens)
					if (id === msg.id)
						tokens.delete(token);
				transport.send(msg).catch((e) => log(`bridge: ${e}`));
				return;
			}
			let related;
			if (msg.method === 'notifications/progress')
				related = tokens.get(msg.params?.progressToken);
			else if (msg.method !== 'notifications/resources/updated')
				related = [...inFlight.keys()].pop();
			transport.send(msg, related !== undefined ? { relatedRequestId: related } : undefined)
				.catch((e) => log(`bridge: ${e}`));
		});
		await transport.start();
		return transport;
	}

	function existing(req, res) {
		const s = sessions.get(req.headers['mcp-session-id']);
		if (!s)
			res.status(400).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: no valid session id' }, id: null });
		return s;
	}

	app.post('/mcp', async (req, res) => {
		try {
			const sid = req.headers['mcp-session-id'];
			if (!sid && isInitializeRequest(req.body)) {
				const transport = await newSession();
				await transport.handleRequest(req, res, req.body);
				return;
			}
			const s = existing(req, res);
			if (s)
				await s.transport.handleRequest(req, res, req.body);
		} catch (e) {
			log(`bridge: ${e}`);
			if (!res.headersSent)
				res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'bridge error' }, id: null });
		}
	});
	for (const verb of ['get', 'delete'])
		app[verb]('/mcp', async (req, res) => {
			const s = existing(req, res);
			if (s)
				await s.transport.handleRequest(req, res);
		});

	const server = app.listen(port, host);
	await once(server, 'listening');
	return {
		url: `http://${host}:${server.address().port}/mcp`,
		async close() {
			for (const { transport } of sessions.values())
				await transport.close().catch(() => {});
			for (const child of children)
				child.kill('SIGTERM');
			server.closeAllConnections?.();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}

// Run alone: node http-bridge.mjs PORT COMMAND [ARGS...]
if (import.meta.url === `file://${process.argv[1]}`) {
	const [port, command, ...args] = process.argv.slice(2);
	const bridge = await startBridge({ command, args, port: Number(port), log: console.error });
	console.error(`bridge: ${bridge.url} -> ${command} ${args.join(' ')}`);
}
