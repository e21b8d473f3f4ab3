/**
 * The invoice API (shared/invoice-api.md) on nothing but Web-standard `Request` → `Response`, the
 * core and its Web module: the same handler runs under `Bun.serve`, `Deno.serve` and a workerd
 * module worker. Bundled by ../support/runtimes.ts into one ES module per runtime.
 */
import {
  applyDecisionHeaders,
  createGate,
  decideRequest,
  type Gate,
  isMetadataRequest,
  metadataResponse,
  type PreparedAction,
} from '@actiongate/core';
import { defineInvoiceActions, type InvoiceAction } from '../../../examples/invoices-kit/src/actions.js';
import { type ExampleConfig, readConfig } from '../../../examples/invoices-kit/src/config.js';
import { InvoiceStore } from '../../../examples/invoices-kit/src/invoices.js';
import { createHonoApp } from './hono.js';

export type Env = Readonly<Record<string, string | undefined>>;
export type Handler = (request: Request) => Promise<Response>;

/** Key set fetches give up after this long, and the request gets 503 + Retry-After (as the examples). */
const JWKS_TIMEOUT_MS = 2000;

const json = (status: number, body: unknown, headers?: Readonly<Record<string, string>>) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
  });
/** A malformed escape stays as it came: the guard still answers first, then the id is simply unknown. */
function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
const notFound = () => json(404, { error: 'not_found', error_description: 'No such invoice' });

/** Reads the contract's environment; the embedded demo issuer is Node's, so `ISSUER` is required here. */
export function conformanceConfig(env: Env): ExampleConfig & { readonly issuer: string; readonly jwksUri: string } {
  const config = readConfig(env);
  if (config.issuer === undefined || config.jwksUri === undefined)
    throw new Error('ISSUER and JWKS_URI are required (the embedded demo issuer runs on Node only)');
  if (config.redisUrl !== undefined) throw new Error('REDIS_URL is not supported by the conformance server');
  return config as ExampleConfig & { readonly issuer: string; readonly jwksUri: string };
}

export function buildGate(config: ReturnType<typeof conformanceConfig>, audience: string): Gate<InvoiceAction> {
  return createGate({
    actions: defineInvoiceActions({ refundRequiresDpop: config.refundRequiresDpop }),
    ...(config.acceptDpop ? { dpop: { nonce: config.dpopNonce } } : {}),
    resource: audience,
    realm: 'invoices',
    issuers: [{ issuer: config.issuer, jwksUri: config.jwksUri, jwksTimeout: JWKS_TIMEOUT_MS }],
  });
}

/** The invoice routes over one gate, with the Web module's facts, refusals and metadata. */
export function createWebApp(gate: Gate<InvoiceAction>): Handler {
  const store = new InvoiceStore();
  const list = gate.prepare('invoices.list');
  const read = gate.prepare('invoices.read');
  const exporting = gate.prepare('invoices.export');
  const remove = gate.prepare('invoices.delete');
  const refund = gate.prepare('invoices.refund');

  async function guard(
    request: Request,
    action: PreparedAction<InvoiceAction>,
    params: Readonly<Record<string, string>>,
    handle: () => Response,
  ): Promise<Response> {
    const decision = await decideRequest(gate, action, request, { params });
    if (!decision.allow) return decision.response;
    const response = handle();
    // RFC 9449 §8: a rotated nonce rides on the allowed answer too.
    applyDecisionHeaders(response.headers, decision);
    return response;
  }

  return async (request) => {
    const { pathname } = new URL(request.url);
    const { method } = request;
    if (pathname === '/health' && method === 'GET') return json(200, { status: 'ok' });
    if (isMetadataRequest(gate, request)) return metadataResponse(gate);
    if (pathname === '/invoices' && method === 'GET')
      return guard(request, list, {}, () => json(200, { invoices: store.list() }));
    if (pathname === '/invoices/export' && method === 'POST')
      return guard(request, exporting, {}, () => json(202, { export_id: `exp_${crypto.randomUUID()}` }));
    const refundPath = /^\/invoices\/([^/]+)\/refund$/.exec(pathname);
    if (refundPath !== null && method === 'POST') {
      const id = decodeId(refundPath[1] as string);
      return guard(request, refund, { id }, () => {
        const outcome = store.refund(id);
        if (outcome === undefined) return notFound();
        if (outcome === 'already')
          return json(409, { error: 'conflict', error_description: 'The invoice is already refunded' });
        return json(200, { id, status: 'refunded' });
      });
    }
    const invoicePath = /^\/invoices\/([^/]+)$/.exec(pathname);
    if (invoicePath !== null && (method === 'GET' || method === 'DELETE')) {
      const id = decodeId(invoicePath[1] as string);
      if (method === 'GET')
        return guard(request, read, { id }, () => {
          const invoice = store.get(id);
          return invoice === undefined ? notFound() : json(200, invoice);
        });
      return guard(request, remove, { id }, () =>
        store.delete(id) ? new Response(null, { status: 204 }) : notFound(),
      );
    }
    return json(404, { error: 'not_found', error_description: 'No such route' });
  };
}

/** `APP` picks the handler: `web` (the core's Web module, default) or `hono` (@actiongate/hono). */
export function createApp(variant: string | undefined, gate: Gate<InvoiceAction>): Handler {
  const app =
    variant === undefined || variant === '' || variant === 'web'
      ? createWebApp(gate)
      : variant === 'hono'
        ? createHonoApp(gate)
        : undefined;
  if (app === undefined) throw new Error(`APP must be web or hono (got ${JSON.stringify(variant)})`);
  // Which runtime answered, for the report: navigator.userAgent is "Bun/…", "Deno/…", "Cloudflare-Workers".
  // A new Response each time: workerd refuses a body created while handling another request.
  const { navigator } = globalThis as { navigator?: { userAgent?: string } };
  const runtime = { userAgent: navigator?.userAgent ?? 'unknown' };
  return (request) =>
    new URL(request.url).pathname === '/runtime' ? Promise.resolve(json(200, runtime)) : app(request);
}
