/**
 * Runs an invoice example as a real child process and waits for its `listening on http://HOST:PORT`
 * line. The process runs the example's sources compiled once per test run by
 * ../../support/examples-bundle.ts (plain `node`, no loader); `ACTIONGATE_EXAMPLES=tsx` runs them
 * exactly as `pnpm start` does instead.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, inject } from 'vitest';

/** The examples that implement shared/invoice-api.md. */
export const EXAMPLES = ['express-invoices', 'koa-invoices', 'fastify-invoices', 'hono-invoices'] as const;
/** Every example that runs as a server: the invoice ones, and the MCP one (shared/mcp-invoices.md). */
export type ExampleName = (typeof EXAMPLES)[number] | 'mcp-invoices';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const running = new Set<ChildProcess>();
/** Children started in a process group of their own (`pnpm start`), stopped group and all. */
const groups = new Set<ChildProcess>();

export interface RunningExample {
  readonly url: string;
  readonly stderr: () => string;
  stop(): Promise<void>;
}

/** The contract's variables are the test's to set: none is inherited from the shell running the tests. */
const CONTRACT_VARIABLES = [
  'PORT',
  'HOST',
  'ISSUER',
  'JWKS_URI',
  'AUDIENCE',
  'REDIS_URL',
  'STEP_UP_MAX_AGE',
  'ACCEPT_DPOP',
  'DPOP_NONCE',
  'REFUND_REQUIRES_DPOP',
  'INTROSPECTION_URL',
  'INTROSPECTION_CLIENT_ID',
  'INTROSPECTION_CLIENT_SECRET',
  'INTROSPECT_REFUND',
  'REVOCATION_REDIS_URL',
];

function environment(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = { ...process.env };
  for (const name of CONTRACT_VARIABLES) delete inherited[name];
  return { ...inherited, ...env };
}

function command(name: ExampleName): string[] {
  const bundle = inject('examplesBundle');
  if (bundle) return [join(bundle, name, 'server.mjs')];
  return ['--conditions=@actiongate/source', '--import', 'tsx', `${root}examples/${name}/src/server.ts`];
}

export interface ExitedExample {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs an example that is expected to exit (a configuration error). The limit is generous: nothing
 * here is timed, and a start-up (tsx's above all) can take many seconds on a loaded 2-core machine.
 */
export function runToExit(name: ExampleName, env: Record<string, string>, timeoutMs = 45_000): Promise<ExitedExample> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command(name), { cwd: root, env: environment(env) });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`example did not exit within ${timeoutMs} ms; stdout: ${stdout}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      running.delete(child);
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Starts an example and waits until it listens. `via: 'pnpm start'` runs the very command a user
 * (and the contract's own suites) runs, `pnpm --dir examples/<name> start`, in a process group of
 * its own so that stopping it stops tsx and node under pnpm too; by default, the compiled bundle.
 */
export function startExample(
  name: ExampleName,
  env: Record<string, string>,
  { via = 'bundle' }: { via?: 'bundle' | 'pnpm start' } = {},
): Promise<RunningExample> {
  const options = { cwd: root, env: environment({ PORT: '0', HOST: '127.0.0.1', ...env }) };
  const child =
    via === 'pnpm start'
      ? spawn('pnpm', ['--silent', '--dir', `examples/${name}`, 'start'], { ...options, detached: true })
      : spawn(process.execPath, command(name), options);
  if (via === 'pnpm start') groups.add(child);
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      running.delete(child);
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      kill(child);
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${name} did not start within 20 s; stderr: ${stderr}`));
    }, 20_000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /^listening on (http:\/\/\S+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1] as string, stderr: () => stderr, stop });
      }
    });
    child.on('exit', (code) => {
      running.delete(child);
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening; stderr: ${stderr}`));
    });
  });
}

function kill(child: ChildProcess): void {
  if (groups.delete(child) && child.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL'); // the whole group: pnpm, tsx and the example's node
      return;
    } catch {
      // Already gone: fall through to the child itself.
    }
  }
  child.kill('SIGKILL');
}

function killAll(): void {
  for (const child of running) kill(child);
  running.clear();
}

// No example outlives its test file, whatever happened in it (a failed or timed-out test, a
// forgotten stop()), nor the worker process.
afterAll(killAll);
process.once('exit', killAll);
