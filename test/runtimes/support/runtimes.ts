/**
 * Bun, Deno and workerd as installed from the npm registry (pinned in ../package.json), each
 * running the conformance server bundled for it by esbuild, as a process group of its own on
 * 127.0.0.1 that `stop()` always ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { binary, type RuntimeName } from './binaries.mjs';

export { binary, RUNTIMES, type RuntimeName, version } from './binaries.mjs';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

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
  const result = await build({
    entryPoints: [join(packageDir, 'server', `${name}.ts`)],
    outfile,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    logLevel: 'error',
    metafile: true,
    ...(name === 'workerd'
      ? { platform: 'browser', conditions: ['workerd', 'worker', 'browser'] }
      : { platform: 'node', conditions: [name] }),
  });
  // What went in (which build of jose and lru-cache) and what stays an import, for the suite to check.
  const inputs = Object.keys(result.metafile.inputs);
  const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((i) => i.path));
  writeFileSync(join(buildDir, `${name}.meta.json`), `${JSON.stringify({ inputs, imports }, null, 2)}\n`);
  return outfile;
}

/** The files a runtime's bundle was built from, and the imports left in it (`node:` modules). */
export function bundleManifest(name: RuntimeName): { inputs: string[]; imports: string[] } {
  return JSON.parse(readFileSync(join(buildDir, `${name}.meta.json`), 'utf8'));
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
