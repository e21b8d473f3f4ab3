/**
 * A JWKS endpoint of the test's own, on 127.0.0.1 port 0, that can be told to misbehave.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type JwksMode = 'ok' | 'hang' | 'error500' | 'garbage' | 'empty';

export interface JwksServer {
  readonly url: string;
  mode: JwksMode;
  /** How many times the key set was requested. */
  readonly requests: number;
  close(): Promise<void>;
}

export async function startJwksServer(jwks: { keys: unknown[] }): Promise<JwksServer> {
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  let requests = 0;
  const state = { mode: 'ok' as JwksMode };
  const server: Server = createServer((req, res) => {
    requests++;
    if (req.url !== '/jwks') {
      res.writeHead(404).end();
      return;
    }
    switch (state.mode) {
      case 'hang':
        hanging.add(res);
        return;
      case 'error500':
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' }).end('<html>not json</html>');
        return;
      case 'empty':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
        return;
      default:
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    get mode() {
      return state.mode;
    },
    set mode(mode: JwksMode) {
      state.mode = mode;
    },
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
