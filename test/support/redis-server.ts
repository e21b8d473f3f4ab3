/**
 * A real `redis-server` on a free loopback port, for the tests that need one. It is started
 * by the test itself and stopped with it; `stop()` and `start()` again on the same port
 * simulate an outage. When `redis-server` is not installed the suite fails and says how to
 * install it: a skipped Redis suite would prove nothing.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer, type Server, Socket } from 'node:net';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

function redisBinary(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      'redis-server is not installed. Install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis) or set REDIS_URL.',
    );
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => resolve(true)).once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    }).catch(() => false);
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server did not start on port ${port}`);
}

/**
 * A Redis for tests that only use it: `REDIS_URL` when set, else a server of the test's own.
 * Tests that stop and start Redis call `startRedis()`, which always owns its server.
 */
export async function useRedis(): Promise<Pick<RedisServer, 'url' | 'stop'>> {
  const url = process.env.REDIS_URL;
  if (url !== undefined && url !== '') return { url, stop: async () => {} };
  return startRedis();
}

export async function startRedis(): Promise<RedisServer> {
  const binary = redisBinary();
  const port = await freePort();
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    child = spawn(binary, args, { stdio: 'ignore' });
    await waitForPort(port, Date.now() + 5000);
  }

  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  }

  await start();
  return { url: `redis://127.0.0.1:${port}`, port, start, stop };
}

export interface SilentServer {
  readonly url: string;
  /** Connections accepted so far. */
  readonly accepted: () => number;
  close(): Promise<void>;
}

/**
 * A loopback socket that accepts connections and never answers a byte: a Redis that hangs,
 * or a black hole in between. `close()` destroys every connection it holds.
 */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    accepted: () => accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Sends one command over a fresh connection and resolves with the first line of the reply:
 * enough for `DEBUG SLEEP` and friends without a client library in the test package.
 */
export function redisCommand(url: string, args: readonly string[], timeoutMs = 10_000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let reply = '';
    const timer = setTimeout(
      () => socket.destroy(new Error(`no reply to ${args[0]} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      const end = reply.indexOf('\r\n');
      if (end === -1) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(reply.slice(0, end));
    });
    socket.connect(Number(port), hostname, () => {
      socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`);
    });
  });
}

/**
 * Makes Redis answer late: `CLIENT PAUSE ms` holds every command of every client for `ms`
 * (then runs them, in order), as a Redis stalled by a slow command, a fork or a busy host does.
 * Unlike `DEBUG SLEEP`, whose start cannot be observed, it answers `+OK` once the pause is in
 * effect, so the test knows that whatever it sends next is late. Resolves with `resumed`.
 */
export async function pauseRedis(url: string, ms: number): Promise<{ resumed: Promise<void> }> {
  const reply = await redisCommand(url, ['CLIENT', 'PAUSE', String(ms), 'ALL']);
  if (reply !== '+OK') throw new Error(`CLIENT PAUSE answered ${reply}`);
  const pausedAt = Date.now();
  const resumed = new Promise<void>((resolve) => setTimeout(resolve, ms + 50 - (Date.now() - pausedAt)));
  return { resumed };
}

/**
 * A loopback server that speaks RESP but lies: it answers the handshake, `PING` and `EVAL` as
 * Redis would, and every `SET` with the raw `setReply` of the test's choosing (a wrong type, a
 * half reply then a closed connection, …), and every `EVAL` with `evalReply` (default `:0`).
 * Records every command it received.
 */
export async function startLyingRedis(
  setReply: string,
  closeAfterSet = false,
  evalReply = ':0\r\n',
): Promise<SilentServer & { commands: string[][] }> {
  const sockets = new Set<Socket>();
  const commands: string[][] = [];
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const parsed = parseCommand(buffer);
        if (parsed === undefined) return;
        buffer = buffer.subarray(parsed.used);
        commands.push(parsed.args);
        const name = (parsed.args[0] ?? '').toUpperCase();
        if (name === 'SET') {
          socket.write(setReply);
          if (closeAfterSet) socket.destroy();
        } else if (name === 'PING') socket.write('+PONG\r\n');
        else if (name === 'EVAL') socket.write(evalReply);
        else socket.write('+OK\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    accepted: () => accepted,
    commands,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One RESP array of bulk strings from the front of `buffer`, or `undefined` if incomplete. */
function parseCommand(buffer: Buffer): { args: string[]; used: number } | undefined {
  let at = 0;
  const line = () => {
    const end = buffer.indexOf('\r\n', at);
    if (end === -1) return undefined;
    const text = buffer.subarray(at, end).toString('latin1');
    at = end + 2;
    return text;
  };
  const header = line();
  if (header === undefined || !header.startsWith('*')) return undefined;
  const args: string[] = [];
  for (let i = 0; i < Number(header.slice(1)); i++) {
    const size = line();
    if (size === undefined) return undefined;
    const length = Number(size.slice(1));
    if (buffer.length < at + length + 2) return undefined;
    args.push(buffer.subarray(at, at + length).toString('utf8'));
    at += length + 2;
  }
  return { args, used: at };
}
