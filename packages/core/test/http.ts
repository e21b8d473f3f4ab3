/**
 * Test support: send a request with the `Authorization` header repeated, through a real
 * server, since clients such as supertest merge repeated headers.
 */
import { createServer, type RequestListener, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function statusWithRepeatedAuthorization(listener: RequestListener, path: string, token: string) {
  const server = createServer(listener).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<number>((resolve, reject) => {
      const headers = [
        'host',
        `127.0.0.1:${port}`,
        'authorization',
        `Bearer ${token}`,
        'authorization',
        `Bearer ${token}`,
      ];
      request({ host: '127.0.0.1', port, path, headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
  } finally {
    server.close();
  }
}
