/**
 * Bun, Deno and workerd as installed from the npm registry (pinned in ../package.json), each
 * running the conformance server bundled for it by esbuild, as a process group of its own on
 * 127.0.0.1 that `stop()` always ends.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const RUNTIMES = ['bun', 'deno', 'workerd'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(join(packageDir, 'package.json'));

/** The npm package that carries each runtime's linux-x64 binary (no postinstall download), and the file in it. */
const BINARIES: Record<RuntimeName, { readonly pkg: string; readonly file: string; readonly override: string }> = {
  bun: { pkg: '@oven/bun-linux-x64', file: 'bin/bun', override: 'BUN_BINARY' },
  deno: { pkg: '@deno/linux-x64-glibc', file: 'deno', override: 'DENO_BINARY' },
  workerd: { pkg: '@cloudflare/workerd-linux-64', file: 'bin/workerd', override: 'WORKERD_BINARY' },
};

/**
 * The binary's path. On linux-x64 it must come from the pinned package: a missing one is an
 * error, never a skip. Elsewhere `BUN_BINARY` / `DENO_BINARY` / `WORKERD_BINARY` name one.
 */
export function binary(name: RuntimeName): string {
  const { pkg, file, override } = BINARIES[name];
  const given = process.env[override];
  if (given !== undefined && given !== '') return given;
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(`${name}: only the linux-x64 binary is pinned; set ${override} to a ${name} binary`);
  let manifest: string;
  try {
    manifest = require.resolve(`${pkg}/package.json`);
  } catch {
    throw new Error(
      `${name}: ${pkg} is not installed (run pnpm install; it is an optional dependency of test/runtimes)`,
    );
  }
  return join(dirname(manifest), file);
}

/** `bun 1.4.5`, `deno 2.9.6`, `workerd 2026-11-17`: what the report records. */
export function version(name: RuntimeName): string {
  const out = execFileSync(binary(name), ['--version'], { encoding: 'utf8', timeout: 30_000 });
  const first = out.trim().split('\n')[0] ?? '';
  return name === 'bun' ? `bun ${first}` : first;
}

const buildDir = join(packageDir, '.build');

/**
 * One ES module per runtime, with the export conditions that runtime (or its usual bundler)
 * resolves: Bun and Deno read `node` (lru-cache's Node build, `node:diagnostics_channel`
 * from their Node compatibility); workerd, like wrangler, `workerd`/`worker`/`browser`, with no
 * `node:` module at all (a Node import there fails the bundle, loudly).
 */
export async function bundle(name: RuntimeName): Promise<string> {
  mkdirSync(buildDir, { recursive: true });
  const outfile = join(buildDir, `${name}.mjs`);
  await build({
    entryPoints: [join(packageDir, 'server', `${name}.ts`)],
    outfile,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    logLevel: 'error',
    ...(name === 'workerd'
      ? { platform: 'browser', conditions: ['workerd', 'worker', 'browser'] }
      : { platform: 'node', conditions: [name] }),
  });
  return outfile;
}

export interface RunningRuntime {
  readonly url: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) killGroup(child);
});

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Only what a runtime needs: none of the contract's variables leak in from the shell. */
function baseEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    DO_NOT_TRACK: '1',
    // Deno must not look for updates (no network but loopback here).
    DENO_NO_UPDATE_CHECK: '1',
    NO_COLOR: '1',
  };
}

function watch(child: ChildProcess, scratch: string | undefined): RunningRuntime & { lines: Promise<string> } {
  running.add(child);
  let output = '';
  let resolveUrl: (url: string) => void = () => {};
  let rejectUrl: (error: Error) => void = () => {};
  const lines = new Promise<string>((resolve, reject) => {
    resolveUrl = resolve;
    rejectUrl = reject;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdout?.on('data', (chunk) => {
    output += chunk;
    const found = /^listening on (http:\/\/\S+)$/m.exec(output);
    if (found) resolveUrl(found[1] as string);
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  child.once('exit', (code, signal) => {
    running.delete(child);
    rejectUrl(new Error(`exited (${code ?? signal}) before it was ready:\n${output}`));
  });
  return {
    url: '',
    lines,
    output: () => output,
    stop: async () => {
      killGroup(child);
      await exited;
      if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
    },
  };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const READY_MS = 30_000;

/** Starts the bundled conformance server on `name` with the contract's environment (`env`). */
export async function startRuntime(
  name: RuntimeName,
  bundled: string,
  env: Record<string, string>,
): Promise<RunningRuntime> {
  if (name === 'workerd') return startWorkerd(bundled, env);
  const args =
    name === 'bun' ? [bundled] : ['run', '--allow-net=127.0.0.1', '--allow-env', '--no-prompt', '--quiet', bundled];
  const scratch = name === 'deno' ? mkdtempSync(join(tmpdir(), 'actiongate-deno-')) : undefined;
  const child = spawn(binary(name), args, {
    env: {
      ...baseEnv(),
      ...(scratch === undefined ? {} : { DENO_DIR: scratch }),
      HOST: '127.0.0.1',
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const started = watch(child, scratch);
  try {
    const url = await within(started.lines, READY_MS, `${name} did not print "listening on"`);
    return { ...started, url };
  } catch (error) {
    await started.stop();
    throw error;
  }
}

const capnpString = (value: string) => JSON.stringify(value);

/**
 * workerd listens on a socket that Node opened on 127.0.0.1 port 0 and hands over as fd 3
 * (`--socket-fd`), so there is no race for a free port; its outbound network allows only the
 * loopback ("local"), where the JWKS server is.
 */
async function startWorkerd(bundled: string, env: Record<string, string>): Promise<RunningRuntime> {
  const listener: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen({ port: 0, host: '127.0.0.1' }, resolve);
  });
  const { port } = listener.address() as { port: number };
  const fd = (listener as unknown as { _handle: { fd: number } })._handle.fd;
  const origin = `http://127.0.0.1:${port}`;
  const scratch = mkdtempSync(join(tmpdir(), 'actiongate-workerd-'));
  // `embed` reads paths relative to the config file.
  copyFileSync(bundled, join(scratch, 'worker.mjs'));
  const bindings = Object.entries({ AUDIENCE: origin, ...env })
    .map(([key, value]) => `(name = ${capnpString(key)}, text = ${capnpString(value)})`)
    .join(',\n      ');
  writeFileSync(
    join(scratch, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [(name = "http", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [(name = "worker.mjs", esModule = embed "worker.mjs")],
  compatibilityDate = "2025-09-01",
  bindings = [
      ${bindings}
  ],
  globalOutbound = "loopback",
);
`,
  );
  const child = spawn(binary('workerd'), ['serve', join(scratch, 'config.capnp'), '--socket-fd', 'http=3'], {
    env: baseEnv(),
    stdio: ['ignore', 'pipe', 'pipe', fd],
    detached: true,
  });
  // The child holds its own copy of the listening socket now.
  listener.close();
  const started = watch(child, scratch);
  started.lines.catch(() => {});
  try {
    await within(waitForHealth(origin, child), READY_MS, 'workerd did not answer /health');
    return { ...started, url: origin };
  } catch (error) {
    await started.stop();
    throw new Error(`${(error as Error).message}\n${started.output()}`);
  }
}

async function waitForHealth(origin: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error('workerd exited');
    try {
      const response = await fetch(`${origin}/health`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
    } catch {
      // not accepting yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no answer');
}
