/**
 * A remote key set on a real HTTP server: fetched, refetched for a new kid (key rotation
 * without a restart), and failing closed with 503 when it cannot be had.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, createTestIssuer, ISSUER, RESOURCE } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import { createGate } from '../gate/index.js';

type Behaviour = 'ok' | 'hang' | '500' | '404' | 'garbage' | 'not-a-jwks' | 'empty';
const actions = defineActions({ read: { scopes: ['invoices:read'] } });
const servers: Server[] = [];

async function serveJwks(keys: () => unknown, behaviour: () => Behaviour) {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    const mode = behaviour();
    if (mode === 'hang') return;
    if (mode === '500') return res.writeHead(500).end();
    if (mode === '404') return res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify(keys()));
    if (mode === 'empty') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
    if (mode === 'garbage') return res.writeHead(200).end('<html>');
    if (mode === 'not-a-jwks') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":"no"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(keys()));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`, requests: () => requests };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

function gateFor(jwksUri: string, extra = {}) {
  return createGate({
    actions,
    resource: RESOURCE,
    issuers: [{ issuer: ISSUER, jwksUri, jwksTimeout: 2000, ...extra }],
  });
}

describe('remote JWKS', () => {
  it('fetches the keys once and allows', async () => {
    const issuer = await createTestIssuer();
    const jwks = await serveJwks(
      () => issuer.jwks,
      () => 'ok',
    );
    const gate = gateFor(jwks.url);
    for (let i = 0; i < 3; i++)
      expect((await gate.decide('read', bearer(await issuer.mint({ scope: 'invoices:read' })))).allow).toBe(true);
    expect(jwks.requests()).toBe(1);
  });

  it.each(['500', '404', 'garbage', 'not-a-jwks'] as const)(
    '%s: 503 with Retry-After and no challenge',
    async (mode) => {
      const issuer = await createTestIssuer();
      const jwks = await serveJwks(
        () => issuer.jwks,
        () => mode,
      );
      const decision = await gateFor(jwks.url).decide('read', bearer(await issuer.mint({ scope: 'invoices:read' })));
      if (decision.allow) throw new Error('allowed');
      expect(decision.status).toBe(503);
      expect(decision.code).toBe('keys_unavailable');
      expect(decision.headers).toEqual({ 'retry-after': '5' });
      expect(jwks.requests()).toBe(1);
    },
  );

  it('hanging: 503 once the configured jwksTimeout (300 ms) has passed, not before and not much after', async () => {
    const issuer = await createTestIssuer();
    const jwks = await serveJwks(
      () => issuer.jwks,
      () => 'hang',
    );
    const token = await issuer.mint({ scope: 'invoices:read' });
    const started = performance.now();
    const decision = await gateFor(jwks.url, { jwksTimeout: 300 }).decide('read', bearer(token));
    const elapsed = performance.now() - started;
    expect(decision.allow ? 200 : decision.status).toBe(503);
    expect(decision.allow ? undefined : decision.code).toBe('keys_unavailable');
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(1000);
  });

  it('connection refused: 503', async () => {
    const issuer = await createTestIssuer();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const started = performance.now();
    const gate = gateFor(`http://127.0.0.1:${port}/jwks`);
    const decision = await gate.decide('read', bearer(await issuer.mint({ scope: 'invoices:read' })));
    expect(decision.allow ? 200 : decision.status).toBe(503);
    expect(decision.allow ? undefined : decision.headers).toEqual({ 'retry-after': '5' });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('a key set without keys: the kid is unknown (401), not a 503', async () => {
    const issuer = await createTestIssuer();
    const jwks = await serveJwks(
      () => issuer.jwks,
      () => 'empty',
    );
    const decision = await gateFor(jwks.url).decide('read', bearer(await issuer.mint({ scope: 'invoices:read' })));
    if (decision.allow) throw new Error('allowed');
    expect(decision.status).toBe(401);
    expect(decision.code).toBe('token_key_unknown');
    expect(decision.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('keeps serving keys fetched earlier when the key set later fails', async () => {
    const issuer = await createTestIssuer();
    let mode: Behaviour = 'ok';
    const jwks = await serveJwks(
      () => issuer.jwks,
      () => mode,
    );
    const gate = gateFor(jwks.url, { jwksCooldown: 0 });
    expect((await gate.decide('read', bearer(await issuer.mint({ scope: 'invoices:read' })))).allow).toBe(true);
    mode = '500';
    expect((await gate.decide('read', bearer(await issuer.mint({ scope: 'invoices:read' })))).allow).toBe(true);
    expect(jwks.requests()).toBe(1);
  });

  it('fetches nothing for a token refused before its key is needed', async () => {
    const issuer = await createTestIssuer();
    const jwks = await serveJwks(
      () => issuer.jwks,
      () => 'ok',
    );
    const gate = gateFor(jwks.url);
    const oversize = await issuer.mint({ scope: 'invoices:read', pad: 'x'.repeat(9000) });
    const codes = [];
    for (const token of [oversize, 'garbage', 'a.b.c.d.e']) {
      const decision = await gate.decide('read', bearer(token));
      codes.push(decision.allow ? 'allowed' : decision.code);
    }
    expect(codes).toEqual(['token_too_large', 'token_malformed', 'token_malformed']);
    expect(jwks.requests()).toBe(0);
  });

  it('accepts a rotated key without a restart, and refuses a removed one once the set is refetched', async () => {
    const first = await createTestIssuer(Date.now, 'k1');
    const second = await createTestIssuer(Date.now, 'k2');
    let keys: unknown = first.jwks;
    const jwks = await serveJwks(
      () => keys,
      () => 'ok',
    );
    const gate = gateFor(jwks.url, { jwksCooldown: 0, jwksCacheMaxAge: 200 });
    const scope = { scope: 'invoices:read' };
    expect((await gate.decide('read', bearer(await first.mint(scope)))).allow).toBe(true);

    keys = { keys: [...first.jwks.keys, ...second.jwks.keys] };
    expect((await gate.decide('read', bearer(await second.mint(scope)))).allow).toBe(true); // unknown kid: refetched

    keys = second.jwks;
    await new Promise((resolve) => setTimeout(resolve, 250));
    const removed = await gate.decide('read', bearer(await first.mint(scope)));
    expect(removed.allow ? 'allowed' : removed.code).toBe('token_key_unknown');
    // Fetched at start, for the new kid, when the set went stale, and once more for the missing kid.
    expect(jwks.requests()).toBe(4);
  });
});
