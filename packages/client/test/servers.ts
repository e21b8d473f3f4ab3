/** Real HTTP servers on 127.0.0.1, port 0: each one its own origin, recording what it received. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  /** The `DPoP` proof header (RFC 9449 §4.1), when one was sent. */
  readonly dpop?: string | undefined;
  readonly body: string;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly seen: Seen[];
  /** What this server received with an Authorization header. */
  tokensSeen(): (string | undefined)[];
  close(): Promise<void>;
}

export type Handler = (request: Seen, response: ServerResponse) => void | Promise<void>;

async function bodyOf(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body;
}

export async function startServer(handler: Handler): Promise<TestServer> {
  const seen: Seen[] = [];
  const server = createServer(async (req, res) => {
    const entry = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      authorization: req.headers.authorization,
      dpop: req.headers.dpop as string | undefined,
      body: await bodyOf(req),
    };
    seen.push(entry);
    try {
      await handler(entry, res);
    } catch {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    seen,
    tokensSeen: () => seen.filter((entry) => entry.authorization !== undefined).map((entry) => entry.authorization),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

export const WELL_KNOWN = '/.well-known/oauth-protected-resource';
