/**
 * The Node/Express layer on its own: the body is read once and handed on, a body parser that ran
 * first is honoured, a posted JSON-RPC response needs the baseline, and a failing handler is a
 * sanitised 500, never a hang.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

import type { AddressInfo } from 'node:net';
import { createGate } from '@actiongate/core';
import express from 'express';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { actions, createIssuer, ISSUER, type Issuer, TOOLS } from '../test/support.js';
import { createMcpGuard } from './guard.js';
import { type GuardedRequest, mcpHandler, mcpMiddleware } from './node.js';

let issuer: Issuer;
beforeAll(async () => {
  issuer = await createIssuer();
});
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Starts `build(guard)` as the request listener on 127.0.0.1:0; the resource is only known once listening. */
async function start(build: (guard: ReturnType<typeof createMcpGuard<string>>) => Listener) {
  let listener: Listener = (_req, res) => res.end();
  const server = createServer((req, res) => listener(req, res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  const gate = createGate({
    actions,
    resource: url,
    realm: 'invoices',
    issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
  });
  const guard = createMcpGuard<string>({ gate, connect: 'mcp.connect', tools: TOOLS });
  listener = build(guard);
  return { url, mint: (claims?: Record<string, unknown>) => issuer.mint(url, claims) };
}

const echo = (req: GuardedRequest, res: ServerResponse) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ body: req.body, action: req.auth?.extra.actiongate.action, token: req.auth?.token }));
};

describe('the Node layer', () => {
  it('honours a body parsed by express.json() and guards the tool it names', async () => {
    const seen: unknown[] = [];
    const fx = await start((guard) => {
      const app = express();
      app.use(express.json());
      app.post('/mcp', mcpMiddleware(guard), (req, res) => {
        seen.push(req.body);
        echo(req as GuardedRequest, res);
      });
      return app;
    });
    const body = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'refund_invoice', arguments: {} } };
    const refused = await fetch(fx.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await fx.mint()}` },
      body: JSON.stringify(body),
    });
    await refused.arrayBuffer();
    expect(refused.status).toBe(403);
    expect(seen).toEqual([]);
    const token = await fx.mint({ scope: 'invoices:read' });
    const list = { ...body, params: { name: 'list_invoices' } };
    const allowed = await fetch(fx.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(list),
    });
    expect(await allowed.json()).toEqual({ body: list, action: 'invoices.list', token });
  });

  it('hands the parsed body on once, and guards a posted JSON-RPC response with the baseline', async () => {
    const fx = await start((guard) => mcpHandler(guard, echo));
    const response = { jsonrpc: '2.0', id: 4, result: {} };
    const refused = await fetch(fx.url, { method: 'POST', body: JSON.stringify(response) });
    await refused.arrayBuffer();
    expect(refused.status).toBe(401);
    const allowed = await fetch(fx.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await fx.mint()}` },
      body: JSON.stringify(response),
    });
    expect(await allowed.json()).toMatchObject({ body: response, action: 'mcp.connect' });
  });

  it('answers a handler that throws with a sanitised 500', async () => {
    const fx = await start((guard) =>
      mcpHandler(guard, () => {
        throw new Error('secret detail');
      }),
    );
    const response = await fetch(fx.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await fx.mint()}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(text).not.toContain('secret');
    expect(JSON.parse(text)).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Internal error' } });
  });

  it('refuses repeated Authorization header fields with 400 (raw header lines, not folded)', async () => {
    const fx = await start((guard) => mcpHandler(guard, echo));
    const token = await fx.mint();
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(fx.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      // Two header lines: setHeader with an array sends each value as its own field.
      req.setHeader('authorization', [`Bearer ${token}`, `Bearer ${token}`]);
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', reject);
      req.end('{"jsonrpc":"2.0","id":1,"method":"ping"}');
    });
    expect(status).toBe(400);
  });
});
