// inspector.test.mjs: the MCP Inspector CLI (@modelcontextprotocol/inspector-cli, pinned) drives
// schedmcp over stdio: tools/list, a tool call and resources/read, once with the command on its
// command line and once from a Claude Desktop style configuration file (mcpServers).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { SCHEDMCP, SOCKET, TEST_TIMEOUT_MS } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
// The CLI finds its own package.json relative to the working directory: run it from its build dir.
const cliDir = path.join(here, 'node_modules/@modelcontextprotocol/inspector-cli/build');

function inspector(args) {
	return new Promise((resolve, reject) => {
		execFile(process.execPath, [path.join(cliDir, 'cli.js'), '--cli', ...args],
			{ cwd: cliDir, timeout: 60000, env: { ...process.env, COLLECTORD_SOCKET: SOCKET } },
			(err, stdout, stderr) => {
				if (err)
					return reject(new Error(`inspector ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`));
				// The JSON answer follows a deprecation banner on some versions.
				resolve(JSON.parse(stdout.slice(stdout.indexOf('{'))));
			});
	});
}

const server = ['-e', `COLLECTORD_SOCKET=${SOCKET}`, SCHEDMCP];

describe('MCP Inspector CLI', { timeout: 4 * TEST_TIMEOUT_MS }, () => {
	test('tools/list', async () => {
		const { tools } = await inspector([...server, '--method', 'tools/list']);
		const names = tools.map((t) => t.name);
		for (const name of ['query_stats', 'get_topology', 'list_events', 'measure_context_switches'])
			assert.ok(names.includes(name), `${name} in ${names}`);
		assert.ok(tools.every((t) => t.inputSchema?.type === 'object' && t.annotations));
	});

	test('tools/call get_topology', async () => {
		const r = await inspector([...server, '--method', 'tools/call', '--tool-name', 'get_topology',
			'--tool-arg', 'detail_level=summary']);
		assert.equal(r.isError, false);
		assert.equal(r.structuredContent.nr_online, os.cpus().length);
	});

	test('resources/read topology://info', async () => {
		const r = await inspector([...server, '--method', 'resources/read', '--uri', 'topology://info']);
		assert.equal(JSON.parse(r.contents[0].text).nr_online, os.cpus().length);
	});

	test('prompts/list and resources/templates/list', async () => {
		const { prompts } = await inspector([...server, '--method', 'prompts/list']);
		assert.equal(prompts.length, 5);
		const { resourceTemplates } = await inspector([...server, '--method', 'resources/templates/list']);
		assert.ok(resourceTemplates.some((t) => t.uriTemplate.startsWith('topology://info{?')));
	});

	test('from a Claude Desktop style configuration file', async () => {
		const dir = mkdtempSync(path.join(os.tmpdir(), 'schedmcp-inspector-'));
		try {
			const config = path.join(dir, 'claude_desktop_config.json');
			writeFileSync(config, JSON.stringify({ mcpServers: { schedmcp: { command: SCHEDMCP, args: ['--socket', SOCKET] } } }));
			const { tools } = await inspector(['--config', config, '--server', 'schedmcp', '--method', 'tools/list']);
			assert.ok(tools.length >= 5);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
