/**
 * The guard over Node's `(req, res)`: plain `http` servers and Express (which passes the same
 * objects). The body is read and parsed once, here, and handed on as `req.body`, with the
 * SDK-shaped `AuthInfo` as `req.auth`, which is where both MCP SDKs' Node transports read them
 * (`transport.handleRequest(req, res, req.body)`). Nothing reaches the MCP server, and no SSE
 * stream opens, before the guard allowed the request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { accessTokenParameter, authorizationFields, dpopFields, rawFieldValues } from '@actiongate/core';
import type { McpAuthInfo } from './auth-info.js';
import type { McpGuard, McpRefusal, McpRequest } from './guard.js';

/** A request the guard allowed: what the MCP transport needs. */
export interface GuardedRequest<N extends string = string> extends IncomingMessage {
  auth?: McpAuthInfo<N>;
  body?: unknown;
}

type Next = (error?: unknown) => void;

type BodyResult = { body: unknown } | { error: 'too_large' } | { error: 'unparseable'; text: string };

/** Reads at most `limit` bytes and parses them as JSON; an empty body is `undefined`. */
function readJsonBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop reading; the rest is discarded so the connection can answer.
        req.resume();
        finish({ error: 'too_large' });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.length === 0) return finish({ body: undefined });
      try {
        finish({ body: JSON.parse(text) as unknown });
      } catch {
        finish({ error: 'unparseable', text });
      }
    };
    const onError = () => finish({ error: 'unparseable', text: '' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** The `access_token` parameter(s) of a query string or form-encoded body, as core reads them. */
function formAccessToken(encoded: string): unknown {
  const all = new URLSearchParams(encoded).getAll('access_token');
  return accessTokenParameter(all.length === 0 ? {} : { access_token: all.length === 1 ? all[0] : all });
}

function queryAccessToken(url: string): unknown {
  const at = url.indexOf('?');
  return at < 0 ? undefined : formAccessToken(url.slice(at + 1));
}

const isForm = (req: IncomingMessage) =>
  (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';

/** RFC 6750 §2.2: a token in the body, whether a JSON member or a form parameter. */
function bodyAccessToken(req: IncomingMessage, body: unknown, unparsed: string | undefined): unknown {
  if (unparsed !== undefined) return isForm(req) ? formAccessToken(unparsed) : undefined;
  return Array.isArray(body) ? undefined : accessTokenParameter(body);
}

/** Writes a refusal: status, challenge headers, JSON body. */
export function sendMcpRefusal(res: ServerResponse, refusal: McpRefusal): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = refusal.status;
  for (const [name, value] of Object.entries(refusal.headers)) res.setHeader(name, value);
  res.setHeader('content-type', 'application/json');
  res.setHeader('cache-control', 'no-store');
  res.end(JSON.stringify(refusal.body));
}

/** Guards one request: reads the body, decides, and either refuses or fills `req.auth` / `req.body`. */
async function guardRequest<N extends string>(
  guard: McpGuard<N>,
  req: GuardedRequest<N>,
  res: ServerResponse,
): Promise<boolean> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = req.url ?? '/';
  let body: unknown;
  let bodyError: McpRequest['bodyError'];
  let inBody: unknown;
  if (method === 'POST') {
    if (req.body !== undefined) {
      body = req.body; // a body parser (express.json(), express.urlencoded()) ran first
      inBody = bodyAccessToken(req, body, undefined);
    } else {
      const read = await readJsonBody(req, guard.maxBodyBytes);
      if ('body' in read) body = read.body;
      else bodyError = read.error;
      inBody = bodyAccessToken(req, body, 'text' in read ? read.text : undefined);
    }
  }
  const decision = await guard.check({
    method,
    path: url.split('?')[0] as string,
    authorization: authorizationFields(req.rawHeaders),
    dpop: dpopFields(req.rawHeaders),
    queryAccessToken: queryAccessToken(url),
    ...(inBody === undefined ? {} : { bodyAccessToken: inBody }),
    // rawHeaders keeps repeats, which `req.headers` joins with ", " for unknown names.
    headers: {
      mcpMethod: rawFieldValues(req.rawHeaders, 'mcp-method'),
      mcpName: rawFieldValues(req.rawHeaders, 'mcp-name'),
    },
    ...(body === undefined ? {} : { body }),
    ...(bodyError === undefined ? {} : { bodyError }),
  });
  if (!decision.allow) {
    sendMcpRefusal(res, decision);
    return false;
  }
  // RFC 9449 §9: a fresh DPoP nonce travels with the answer.
  if (decision.headers !== undefined)
    for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value);
  req.auth = decision.authInfo;
  if (method === 'POST') req.body = body;
  return true;
}

/** Connect/Express middleware: refuses, or calls `next()` with `req.auth` and `req.body` set. */
export function mcpMiddleware<N extends string>(guard: McpGuard<N>) {
  return function actiongateMcp(req: IncomingMessage, res: ServerResponse, next: Next): void {
    guardRequest(guard, req as GuardedRequest<N>, res).then(
      (allowed) => {
        if (allowed) next();
      },
      (error: unknown) => next(error),
    );
  };
}

/** A plain Node handler: `handler` runs only for allowed requests, with the parsed body and AuthInfo. */
export function mcpHandler<N extends string>(
  guard: McpGuard<N>,
  handler: (req: GuardedRequest<N>, res: ServerResponse) => void | Promise<void>,
) {
  return function actiongateMcp(req: IncomingMessage, res: ServerResponse): void {
    const guarded = req as GuardedRequest<N>;
    guardRequest(guard, guarded, res)
      .then((allowed) => (allowed ? handler(guarded, res) : undefined))
      .catch(() => {
        // Fail closed and say nothing about why (the handler's own error is its to log).
        if (!res.headersSent) {
          res.statusCode = 500;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Internal error' } }));
        } else res.end();
      });
  };
}

/**
 * Serves the RFC 9728 document at the path-inserted URL (§3.1) and at the root well-known path,
 * where MCP clients look when no challenge named `resource_metadata` (MCP authorization,
 * "Protected Resource Metadata Discovery"). Returns `false` for every other request.
 */
export function serveMetadata(guard: McpGuard<string>, req: IncomingMessage, res: ServerResponse): boolean {
  const method = req.method ?? 'GET';
  const path = (req.url ?? '/').split('?')[0] as string;
  if (!guard.metadataPaths.includes(path)) return false;
  if (method === 'OPTIONS') {
    // A public document: browsers' MCP clients fetch it cross-origin.
    res.writeHead(204, { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET' }).end();
    return true;
  }
  if (method !== 'GET' && method !== 'HEAD') return false;
  const document = JSON.stringify(guard.metadata);
  res.writeHead(200, {
    'content-type': 'application/json',
    'access-control-allow-origin': '*',
    'content-length': Buffer.byteLength(document),
  });
  res.end(method === 'HEAD' ? undefined : document);
  return true;
}

/** `serveMetadata` as Connect/Express middleware. */
export function metadataMiddleware(guard: McpGuard<string>) {
  return function actiongateMcpMetadata(req: IncomingMessage, res: ServerResponse, next: Next): void {
    if (!serveMetadata(guard, req, res)) next();
  };
}
