/**
 * `pnpm demo:mcp` as a person runs it: a child process (in its own process group) that tells the
 * step-up story with the real v2 client, exits 0 within 20 s, and leaves no process behind.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const LIMIT_MS = 20_000;

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('pnpm demo:mcp tells the story, exits 0 in under 20 s, and leaves no process behind', async () => {
  const started = Date.now();
  const child = spawn('pnpm', ['demo:mcp'], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid as number;
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => process.kill(-pid, 'SIGKILL'), LIMIT_MS + 5_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve)).finally(() =>
    clearTimeout(timer),
  );
  const elapsed = Date.now() - started;

  expect(code, stderr).toBe(0);
  expect(elapsed, `${elapsed} ms; stdout:\n${stdout}`).toBeLessThan(LIMIT_MS);
  const lines = [
    /connected with the baseline: token scope="invoices:read"/,
    /server refused refund_invoice: 403 insufficient_scope, scope="invoices:read payments:refund"/,
    /Alice at the authorization server \(asked for "invoices:read payments:refund"\): login, her second factor, consent -> approve/,
    /retried once: inv_1001 refunded; token scope="invoices:read payments:refund", acr=urn:actiongate:mfa/,
    /4\. It calls refund_invoice inv_1002 with the same token\.\n\s+server refused refund_invoice: 403 insufficient_scope/,
    /retried once: inv_1002 refunded/,
    /get_invoice inv_1001: refunded/,
    /second factor, consent -> deny\n\s+the call ended without a retry: /,
    /get_invoice inv_1003: open/,
    /done: 4 authorizations, 8 tool calls/,
  ];
  for (const line of lines) expect(stdout).toMatch(line);
  // The demo's process group empties: no server, no tsx, no pnpm left running. (A process that is
  // still being torn down, or reaped, when pnpm exits may linger a moment on a loaded machine.)
  for (let waited = 0; waited < 5_000 && groupAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(groupAlive(pid)).toBe(false);
}, 30_000);
