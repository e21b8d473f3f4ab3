/**
 * Test support: an HTTP server of the test's own on 127.0.0.1 port 0 that answers as the test
 * says (well, late, never, too much), counts what it is asked, and is always closed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface HostileServer {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  readonly origin: string;
  /** Paths requested, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

const open = new Set<HostileServer>();

export async function startServer(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<HostileServer> {
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handle(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const handle_: HostileServer = {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        open.delete(handle_);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  open.add(handle_);
  return handle_;
}

/** For `afterEach`: closes every server a test started, whether it passed or not. */
export async function closeAllServers(): Promise<void> {
  await Promise.all([...open].map((server) => server.close()));
}

export function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
