/**
 * Test support: a real HTTP server on 127.0.0.1, port 0, whose origin is known before the app
 * is attached (a resource identifier naming the server's own address needs it).
 */
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  readonly origin: string;
  /** Attaches the app (once). */
  handle(listener: RequestListener): void;
  close(): Promise<void>;
}

export async function listen(): Promise<Listening> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    handle: (listener) => void server.on('request', listener),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The `resource_metadata` URL of a Bearer challenge (RFC 9728 §5.1). */
export function resourceMetadataOf(challenge: string | null): string | undefined {
  return /resource_metadata="([^"]*)"/.exec(challenge ?? '')?.[1];
}
