/**
 * An RFC 7662 introspection endpoint of the test's own on 127.0.0.1 port 0: it authenticates
 * the resource server by `client_secret_basic`, answers each token as the test says, and can be
 * taken down. It counts what it is asked, so a test sees caching and coalescing from outside.
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const RS_CLIENT_ID = 'invoices-rs';
export const RS_CLIENT_SECRET = 'rs secret: /+%';

export interface IntrospectionServer {
  readonly url: string;
  /** What each token stands for; a token not listed is inactive. */
  readonly answers: Map<string, () => Record<string, unknown>>;
  /** Tokens asked about, in order. */
  readonly asked: string[];
  /** While true, every request gets 503. */
  down: boolean;
  close(): Promise<void>;
}

/** RFC 6749 §2.3.1: each part form-urlencoded, then base64. */
function expectedAuthorization(): string {
  const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  return `Basic ${Buffer.from(`${encode(RS_CLIENT_ID)}:${encode(RS_CLIENT_SECRET)}`).toString('base64')}`;
}

export async function startIntrospectionServer(): Promise<IntrospectionServer> {
  const sockets = new Set<Socket>();
  const state: IntrospectionServer = {
    url: '',
    answers: new Map(),
    asked: [],
    down: false,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const reply = (res: import('node:http').ServerResponse, status: number, body: unknown) =>
    res
      .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify(body));
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      if (body.length < 65_536) body += chunk;
    });
    req.on('end', () => {
      if (state.down) return reply(res, 503, { error: 'temporarily_unavailable' });
      if (req.method !== 'POST' || req.headers.authorization !== expectedAuthorization())
        return reply(res, 401, { error: 'invalid_client' });
      const form = new URLSearchParams(body);
      const token = form.get('token') ?? '';
      state.asked.push(token);
      const answer = state.answers.get(token);
      reply(res, 200, answer === undefined ? { active: false } : { active: true, ...answer() });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(state, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect` });
  return state;
}
