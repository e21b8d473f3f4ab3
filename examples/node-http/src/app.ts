/**
 * actiongate without a framework: a `node:http` listener that turns each request into plain
 * facts, asks the gate, and writes the decision back. Everything an adapter does is here:
 * every `Authorization` field (a repeated header is refused, not silently dropped), the
 * `access_token` query and form-body parameters (refused with 400 unless enabled, RFC 6750
 * §2.2 and §2.3), the body's content type, the route's parameters, and the refusal's status,
 * challenge headers and JSON body.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { accessTokenParameter, authorizationFields, dpopFields, type Gate, type RequestFacts } from '@actiongate/core';

/** Bodies larger than this are refused with 413 before they are parsed. */
const MAX_BODY_BYTES = 16 * 1024;
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

/** One `access_token` is a string; a repeated one an array (refused by the gate as malformed). */
function queryAccessToken(search: URLSearchParams): string | string[] | undefined {
  const values = search.getAll('access_token');
  return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
}

async function readBody(req: IncomingMessage): Promise<{ parsed: unknown; isForm: boolean } | 'too_large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return 'too_large';
    chunks.push(chunk);
  }
  if (size === 0) return { parsed: undefined, isForm: false };
  const text = Buffer.concat(chunks).toString('utf8');
  // The media type without parameters, case-insensitively (RFC 9110 §8.3.1).
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === FORM) {
    const form = new URLSearchParams(text);
    const parsed: Record<string, string | string[]> = {};
    for (const key of new Set(form.keys())) {
      const values = form.getAll(key);
      parsed[key] = values.length === 1 ? (values[0] as string) : values;
    }
    return { parsed, isForm: true };
  }
  if (type === JSON_TYPE) {
    try {
      return { parsed: JSON.parse(text) as unknown, isForm: false };
    } catch {
      return { parsed: undefined, isForm: false };
    }
  }
  return { parsed: undefined, isForm: false };
}

/** The facts the gate needs, read off a plain Node request. */
export async function requestFacts(
  req: IncomingMessage,
  url: URL,
  params: Record<string, string>,
): Promise<RequestFacts | 'too_large'> {
  const body = await readBody(req);
  if (body === 'too_large') return body;
  const bodyAccessToken = accessTokenParameter(body.parsed);
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    authorization: authorizationFields(req.rawHeaders),
    // RFC 9449 §4.1: every DPoP proof field, so that a repeated one is refused (used when the gate accepts DPoP).
    dpop: dpopFields(req.rawHeaders),
    queryAccessToken: url.search === '' ? undefined : queryAccessToken(url.searchParams),
    bodyAccessToken,
    bodyIsForm: body.isForm,
    params,
    body: body.parsed,
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

export type InvoiceActions = 'invoices.list' | 'invoices.refund';

/**
 * Two routes: `GET /invoices` and `POST /invoices/:id/refund`, each guarded by its action.
 * The refund's handler runs only after the gate has allowed the request.
 */
export function createListener(gate: Gate<InvoiceActions>): RequestListener {
  // Prepared once, at start-up: an undeclared action name fails here, not on the first request.
  const list = gate.prepare('invoices.list');
  const refund = gate.prepare('invoices.refund');

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === gate.metadataPath) return sendJson(res, 200, gate.metadata);

    const refundMatch = /^\/invoices\/([A-Za-z0-9_-]+)\/refund$/.exec(url.pathname);
    const route: { action: typeof list; params: Record<string, string> } | undefined =
      req.method === 'GET' && url.pathname === '/invoices'
        ? { action: list, params: {} }
        : req.method === 'POST' && refundMatch !== null
          ? { action: refund, params: { id: refundMatch[1] as string } }
          : undefined;
    if (route === undefined) return sendJson(res, 404, { error: 'not_found' });

    const facts = await requestFacts(req, url, route.params);
    if (facts === 'too_large') return sendJson(res, 413, { error: 'payload_too_large' });
    const decision = await gate.decide(route.action, facts);
    // A refusal: its status, its challenge (`www-authenticate`, `retry-after` on 503) and its JSON body.
    if (!decision.allow) return sendJson(res, decision.status, decision.body, decision.headers);

    // An allowed request may carry headers too: a fresh `dpop-nonce` (RFC 9449 §9).
    const headers = decision.headers ?? {};
    if (route.action === list) return sendJson(res, 200, { invoices: [], sub: decision.auth.claims.sub }, headers);
    return sendJson(res, 200, { id: route.params.id, status: 'refunded' }, headers);
  };
}
