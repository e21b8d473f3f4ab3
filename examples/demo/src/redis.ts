/**
 * The Redis the invoice API's deny list lives on: `REDIS_URL` when set, else a `redis-server`
 * from PATH on a free loopback port, for as long as the demo runs (no persistence). Without
 * either the demo still runs, and says what it left out.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer, Socket } from 'node:net';

export interface DemoRedis {
  readonly url: string;
  stop(): Promise<void>;
}

function binary(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => resolve(socket.destroy() === socket)).once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });

export async function startRedis(): Promise<DemoRedis | undefined> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  const path = binary();
  if (path === undefined) return undefined;
  const port = await freePort();
  const child: ChildProcess = spawn(
    path,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  let failed = false;
  child.once('error', () => {
    failed = true; // could not be started (permissions): the demo goes on without it
  });
  process.once('exit', () => child.kill('SIGKILL'));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  // Bounded: 5 s at most for it to accept connections.
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await accepts(port)) return { url: `redis://127.0.0.1:${port}`, stop };
    if (failed || child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  return undefined;
}
