/** The conformance server on `Bun.serve`: `listening on http://HOST:PORT` once ready, like the examples. */
import { buildGate, conformanceConfig, createApp, type Handler } from './app.js';

declare const Bun: {
  readonly env: Record<string, string | undefined>;
  serve(options: { hostname: string; port: number; fetch: (request: Request) => Promise<Response> }): {
    readonly port: number;
  };
};

const config = conformanceConfig(Bun.env);
let handler: Handler | undefined;
const server = Bun.serve({
  hostname: config.host,
  port: config.port,
  fetch: (request) => (handler as Handler)(request),
});
const origin = `http://${config.host}:${server.port}`;
handler = createApp(Bun.env.APP, buildGate(config, config.audience ?? origin));
console.log(`listening on ${origin}`);
