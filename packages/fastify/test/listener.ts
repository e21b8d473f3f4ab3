/**
 * Test support: a Fastify app whose request listener is handed out (through `serverFactory`), to
 * be served by a real Node server on 127.0.0.1 (supertest, the raw-header senders of the core's
 * tests), never by a socket Fastify opens itself.
 */
import { createServer, type RequestListener } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';

export interface TestApp {
  readonly app: FastifyInstance;
  /** Readies the app and returns its request listener. */
  listener(): Promise<RequestListener>;
}

export function createTestApp(options: Omit<FastifyServerOptions, 'serverFactory'> = {}): TestApp {
  let handler: RequestListener | undefined;
  const app = Fastify({
    ...options,
    serverFactory: (listener) => {
      handler = listener as RequestListener;
      return createServer();
    },
  });
  return {
    app,
    async listener() {
      await app.ready();
      return handler as RequestListener;
    },
  };
}
