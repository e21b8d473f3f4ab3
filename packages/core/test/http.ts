/**
 * Test support: send a request with the `Authorization` header repeated, through a real
 * server, since clients such as supertest merge repeated headers.
 */
import { createServer, type IncomingHttpHeaders, type RequestListener, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RawReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Sends `authorization` as given, one header field per value, and reads the whole reply. */
export async function sendRawAuthorization(
  listener: RequestListener,
  path: string,
  authorization: readonly string[],
): Promise<RawReply> {
  const server = createServer(listener).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<RawReply>((resolve, reject) => {
      const headers = ['host', `127.0.0.1:${port}`, ...authorization.flatMap((value) => ['authorization', value])];
      request({ host: '127.0.0.1', port, path, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
        .on('error', reject)
        .end();
    });
  } finally {
    server.close();
  }
}

export async function statusWithRepeatedAuthorization(listener: RequestListener, path: string, token: string) {
  return (await sendRawAuthorization(listener, path, [`Bearer ${token}`, `Bearer ${token}`])).status;
}

/** Sends one request with `headers` as given (one field per pair, repeats kept) and reads the whole reply. */
export async function sendRaw(
  listener: RequestListener,
  method: string,
  path: string,
  headers: readonly (readonly [string, string])[],
): Promise<RawReply> {
  const server = createServer(listener).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<RawReply>((resolve, reject) => {
      const raw = ['host', `127.0.0.1:${port}`, ...headers.flat()];
      request({ host: '127.0.0.1', port, path, method, headers: raw }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
        .on('error', reject)
        .end();
    });
  } finally {
    server.close();
  }
}
