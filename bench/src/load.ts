/** A server in its own process, and autocannon against it from this one. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export interface Measurement {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly requests: number;
}

const server = fileURLToPath(new URL('./server.ts', import.meta.url));

export interface RunningServer {
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts server.ts with KIND; resolves to undefined when the kind's adapter is not available. */
export function startServer(kind: string, env: Record<string, string>): Promise<RunningServer | undefined> {
  // `tsx --conditions=@actiongate/source` measures the packages' sources; pass it on.
  const conditions = process.execArgv.filter((flag) => flag.startsWith('--conditions'));
  const child = spawn(process.execPath, ['--expose-gc', ...conditions, '--import', 'tsx', server], {
    env: { ...process.env, ...env, KIND: kind, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().startsWith('unavailable')) return resolve(undefined);
      const match = /listening on (\S+)/.exec(chunk.toString());
      if (match) resolve({ url: match[1] as string, process: child, stop });
    });
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code}`)));
  });
}

export async function load(
  url: string,
  tokens: readonly string[],
  options: { duration?: number; amount?: number; connections: number; start?: number },
): Promise<Measurement> {
  let next = options.start ?? 0; // where in `tokens` to begin
  const result = await autocannon({
    url: `${url}/invoices`,
    connections: options.connections,
    ...(options.amount === undefined ? { duration: options.duration ?? 10 } : { amount: options.amount }),
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          const token = tokens[next++ % tokens.length] as string;
          return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } };
        },
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    requests: result.requests.total,
  };
}

/** The server process's CPU time (user + system), in microseconds. */
export async function cpuTime(url: string): Promise<number> {
  const response = await fetch(`${url}/__cpu`);
  const { user, system } = (await response.json()) as { user: number; system: number };
  return user + system;
}

export async function heapUsed(url: string): Promise<number> {
  const response = await fetch(`${url}/__heap`);
  return ((await response.json()) as { heapUsed: number }).heapUsed;
}
