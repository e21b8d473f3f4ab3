/** The conformance server on `Deno.serve`: `listening on http://HOST:PORT` once ready, like the examples. */
import { buildGate, conformanceConfig, createApp, type Handler } from './app.js';

declare const Deno: {
  readonly env: { toObject(): Record<string, string> };
  serve(
    options: { hostname: string; port: number; onListen: (address: { port: number }) => void },
    handler: (request: Request) => Promise<Response>,
  ): unknown;
};

const env = Deno.env.toObject();
const config = conformanceConfig(env);
let handler: Handler | undefined;
Deno.serve(
  {
    hostname: config.host,
    port: config.port,
    onListen: ({ port }) => {
      const origin = `http://${config.host}:${port}`;
      handler = createApp(env.APP, buildGate(config, config.audience ?? origin));
      console.log(`listening on ${origin}`);
    },
  },
  (request) => (handler as Handler)(request),
);
