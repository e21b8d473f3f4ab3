/**
 * Shared helpers for the black-box suite of `examples/mcp-invoices` (shared/mcp-invoices.md):
 * one example process per file, started with an external issuer (the test's own JWKS server and
 * minted tokens), and raw HTTP helpers that keep the response bytes.
 */
import { Socket } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { type RunningExample, startExample } from '../blackbox/support/example.js';
import { type JwksServer, startJwksServer } from '../blackbox/support/jwks-server.js';
import { createKeys, ISSUER, MFA, type MintOptions, mint, type TestKeys } from '../blackbox/support/keys.js';

export { ISSUER, MFA };

export const now = () => Math.floor(Date.now() / 1000);

/** The MCP protocol revisions the suite speaks. */
export const PROTOCOL_2025 = '2025-11-25';

export interface Served {
  /** The example's origin, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** `POST`/`GET`/`DELETE` target. */
  readonly endpoint: string;
  /** The resource tokens must name: `AUDIENCE`, or `http://HOST:PORT/mcp` by default. */
  readonly audience: string;
  /** The path-inserted metadata URL every challenge names. */
  readonly metadataUrl: string;
  readonly keys: TestKeys;
  readonly example: RunningExample;
  readonly jwks: JwksServer;
  /** A token for the audience: the baseline scope by default, claims over it. */
  token(claims?: Record<string, unknown>, options?: Omit<MintOptions, 'claims'>): Promise<string>;
}

export interface ServeOptions {
  readonly env?: Record<string, string>;
  /** The audience tokens are minted for when it differs from the default (an explicit `AUDIENCE`). */
  readonly audience?: (url: string) => string;
}

/** RFC 9728 §3.1: the well-known segment inserted between the resource's origin and its path. */
export function metadataUrlOf(resource: string): string {
  const url = new URL(resource);
  return `${url.origin}/.well-known/oauth-protected-resource${url.pathname === '/' ? '' : url.pathname}`;
}

/** Starts keys, a JWKS server and one example for the file; everything stops after it. */
export async function startServed(options: ServeOptions = {}, shared?: { keys: TestKeys; jwks: JwksServer }) {
  const keys = shared?.keys ?? (await createKeys());
  const jwks = shared?.jwks ?? (await startJwksServer(keys.jwks));
  const example = await startExample('mcp-invoices', { ISSUER, JWKS_URI: jwks.url, ...options.env });
  const audience = options.audience?.(example.url) ?? `${example.url}/mcp`;
  const served: Served = {
    url: example.url,
    endpoint: `${example.url}/mcp`,
    audience,
    metadataUrl: metadataUrlOf(audience),
    keys,
    example,
    jwks,
    token: (claims = {}, rest = {}) => mint(keys, audience, { ...rest, claims: { scope: 'invoices:read', ...claims } }),
  };
  return served;
}

/** One example for the whole file, started in `beforeAll` and stopped in `afterAll`. */
export function serveForFile(options: ServeOptions = {}): () => Served {
  let served: Served | undefined;
  beforeAll(async () => {
    served = await startServed(options);
  }, 30_000);
  afterAll(async () => {
    await served?.example.stop();
    await served?.jwks.close();
  });
  return () => {
    if (served === undefined) throw new Error('the example did not start');
    return served;
  };
}

export const rpc = (method: string, params?: unknown, id: number | string = 1) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });

export const notification = (method: string) => JSON.stringify({ jsonrpc: '2.0', method });

export const call = (name: string, args: Record<string, unknown> = {}, id: number | string = 1) =>
  rpc('tools/call', { name, arguments: args }, id);

export const initialize = (version = PROTOCOL_2025) =>
  rpc('initialize', { protocolVersion: version, capabilities: {}, clientInfo: { name: 'bb', version: '1' } });

/** The headers a Streamable HTTP client sends, with the token (when given) as a Bearer header. */
export function mcpHeaders(token?: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': PROTOCOL_2025,
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    ...extra,
  };
}

export interface Answer {
  readonly status: number;
  readonly challenge: string | null;
  readonly contentType: string | null;
  readonly headers: Headers;
  readonly text: string;
  /** The body as JSON, or the first `data:` event of an SSE body, or `undefined`. */
  readonly json: unknown;
}

function parseBody(text: string, contentType: string | null): unknown {
  if (contentType?.startsWith('text/event-stream')) {
    const data = text.split('\n').find((line) => line.startsWith('data:'));
    return data === undefined ? undefined : JSON.parse(data.slice(5));
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  const contentType = response.headers.get('content-type');
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    contentType,
    headers: response.headers,
    text,
    json: parseBody(text, contentType),
  };
}

/** A POST to the endpoint with the body as given; `headers` replaces the defaults entirely when given. */
export async function post(served: Served, body: string, token?: string, extra: Record<string, string> = {}) {
  return answer(await fetch(served.endpoint, { method: 'POST', headers: mcpHeaders(token, extra), body }));
}

/** `Bearer realm="invoices", scope="invoices:read", resource_metadata="…"` plus the given params. */
export function baselineChallenge(served: Served, error?: string): string {
  const rm = `resource_metadata="${served.metadataUrl}"`;
  return error === undefined
    ? `Bearer realm="invoices", scope="invoices:read", ${rm}`
    : `Bearer realm="invoices", error="${error}", scope="invoices:read", ${rm}`;
}

/** The 403 challenge's fixed head: everything but `error_description`. */
export function insufficientScope(served: Served, scope: string): RegExp {
  const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(
    `^Bearer realm="invoices", error="insufficient_scope", scope="${escaped(scope)}", resource_metadata="${escaped(served.metadataUrl)}", error_description="(?![^"]*scope=)[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]+"$`,
  );
}

/** A tool result's structured content, from a JSON or SSE answer. */
export function resultOf(reply: Answer): { isError?: boolean; structuredContent?: Record<string, unknown> } {
  const message = reply.json as { result?: { isError?: boolean; structuredContent?: Record<string, unknown> } };
  if (message?.result === undefined) throw new Error(`no JSON-RPC result: ${reply.status} ${reply.text}`);
  return message.result;
}

export interface RawAnswer {
  readonly status: number;
  /** Lowercase names; a repeated header's values joined with ", ". */
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * A POST over a raw socket with `Connection: close`, so that repeated fields and odd framing reach
 * the server exactly as written. The answer is read until the server closes (bounded by `timeoutMs`).
 */
export function rawPost(
  served: Served,
  body: string | Buffer,
  fields: [string, string][],
  timeoutMs = 10_000,
): Promise<RawAnswer> {
  const url = new URL(served.endpoint);
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  const head = [
    'POST /mcp HTTP/1.1',
    `Host: ${url.host}`,
    'Content-Type: application/json',
    'Accept: application/json, text/event-stream',
    `Content-Length: ${payload.length}`,
    'Connection: close',
    ...fields.map(([name, value]) => `${name}: ${value}`),
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      const lines = text.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
      }
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
      resolve({ status, headers, body: text.slice(end + 4) });
    });
    socket.connect(Number(url.port), url.hostname, () => {
      socket.write(`${head}\r\n\r\n`);
      socket.end(payload);
    });
  });
}
