/**
 * The framework-free example, run as a real node:http server on loopback: every fact it reads
 * (every Authorization field, the query and form-body access_token, the body's content type,
 * the route's parameters) reaches the gate, and every refusal is written with its status,
 * exact challenge and JSON body.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGate, defineActions } from '@actiongate/core';
import { createListener, type InvoiceActions } from '@actiongate-examples/node-http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ISSUER = 'https://as.example.test';
let server: Server;
let origin: string;
let mint: (claims?: Record<string, unknown>) => Promise<string>;

const actions = defineActions({
  'invoices.list': { scopes: ['invoices:read'] },
  'invoices.refund': { scopes: ['payments:refund'] },
});

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] };
  server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const gate = createGate<InvoiceActions>({
    actions,
    resource: origin,
    realm: 'invoices',
    issuers: [{ issuer: ISSUER, jwks }],
  });
  server.on('request', createListener(gate));
  mint = (claims = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: ISSUER,
      aud: origin,
      sub: 'alice',
      client_id: 'app',
      iat: now,
      exp: now + 300,
      jti: crypto.randomUUID(),
      scope: 'invoices:read',
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
      .sign(privateKey);
  };
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const metadataUrl = () => `${origin}/.well-known/oauth-protected-resource`;

describe('framework-free example (node:http)', () => {
  it('allows a token with the scope and hands the claims to the handler', async () => {
    const response = await fetch(`${origin}/invoices`, { headers: { authorization: `Bearer ${await mint()}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ invoices: [], sub: 'alice' });
  });

  it('answers a request without a token with 401, the bare challenge and a JSON body', async () => {
    const response = await fetch(`${origin}/invoices`);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer realm="invoices", resource_metadata="${metadataUrl()}"`,
    );
    expect(await response.json()).toEqual({ error_description: 'A bearer access token is required' });
  });

  it('refuses a token lacking the scope with 403 insufficient_scope naming it', async () => {
    const response = await fetch(`${origin}/invoices/inv_1/refund`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await mint()}` },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer realm="invoices", error="insufficient_scope", scope="payments:refund", resource_metadata="${metadataUrl()}", error_description="The access token lacks the scopes this action requires"`,
    );
    expect(((await response.json()) as { error?: string }).error).toBe('insufficient_scope');
  });

  it('sees an access_token in the query and refuses it with 400 (RFC 6750 §2.3 is off by default)', async () => {
    const response = await fetch(`${origin}/invoices?access_token=${await mint()}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_request"');
    expect(await response.json()).toEqual({
      error: 'invalid_request',
      error_description: 'Access tokens are not accepted in the query string',
    });
  });

  it('sees an access_token in a form body and refuses it with 400 (RFC 6750 §2.2 is off by default)', async () => {
    const response = await fetch(`${origin}/invoices/inv_1/refund`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: await mint({ scope: 'payments:refund' }) }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_request',
      error_description: 'Access tokens are not accepted in the request body',
    });
  });

  it('sees an access_token in a JSON body too', async () => {
    const response = await fetch(`${origin}/invoices/inv_1/refund`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await mint()}` },
      body: JSON.stringify({ access_token: 'x' }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error?: string }).error).toBe('invalid_request');
  });

  it('sees a repeated Authorization header and refuses it with 400', async () => {
    const token = await mint();
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${origin}/invoices`, {
        headers: [
          ['authorization', `Bearer ${token}`],
          ['authorization', `Bearer ${token}`],
        ].flat(),
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
  });

  it('refuses an oversized body with 413 before parsing it', async () => {
    const response = await fetch(`${origin}/invoices/inv_1/refund`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await mint()}` },
      body: JSON.stringify({ pad: 'x'.repeat(20_000) }),
    });
    expect(response.status).toBe(413);
  });

  it('allows the refund with the scope, reading the route parameter', async () => {
    const response = await fetch(`${origin}/invoices/inv_7/refund`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await mint({ scope: 'payments:refund' })}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: 'inv_7', status: 'refunded' });
  });

  it('serves the RFC 9728 document the challenges point to', async () => {
    const response = await fetch(metadataUrl());
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ resource: origin, authorization_servers: [ISSUER] });
  });
});
