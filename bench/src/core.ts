/**
 * pnpm bench:core: nanoseconds per decision, without HTTP, for an allowed request, a request
 * refused for scope, and a request refused for a bad token; with the token cache and without;
 * and an opaque token answered from the introspection cache (RFC 7662), its endpoint asked once.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGate, defineActions, type Gate, type RequestFacts } from '@actiongate/core';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

const RESOURCE = 'https://invoices.bench';
const ISSUER = 'https://issuer.bench';
const { publicKey, privateKey } = await generateKeyPair('RS256');
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k', alg: 'RS256', use: 'sig' }] };
const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({ scope: 'invoices:read', client_id: 'c' })
  .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'k' })
  .setIssuer(ISSUER)
  .setAudience(RESOURCE)
  .setSubject('s')
  .setIssuedAt(now)
  .setExpirationTime(now + 3600)
  .setJti(randomUUID())
  .sign(privateKey);

const actions = defineActions({ read: { scopes: ['invoices:read'] }, admin: { scopes: ['invoices:admin'] } });
const facts = (authorization: string): RequestFacts => ({ method: 'GET', path: '/invoices', authorization });

async function nsPerDecision(
  gate: Gate<'read' | 'admin'>,
  action: 'read' | 'admin',
  request: RequestFacts,
  iterations: number,
) {
  const prepared = gate.prepare(action);
  for (let i = 0; i < Math.min(2000, iterations); i++) await gate.decide(prepared, request); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await gate.decide(prepared, request);
  return Number(process.hrtime.bigint() - started) / iterations;
}

const rows: [string, string, number][] = [];
for (const cache of [true, false]) {
  const gate = createGate({
    actions,
    resource: RESOURCE,
    issuers: [{ issuer: ISSUER, jwks }],
    ...(cache ? {} : { tokenCache: false as const }),
  });
  const label = cache ? 'with the token cache' : 'without the token cache';
  const n = cache ? 200_000 : 5_000;
  rows.push([label, 'allowed', await nsPerDecision(gate, 'read', facts(`Bearer ${token}`), n)]);
  rows.push([label, 'refused for scope', await nsPerDecision(gate, 'admin', facts(`Bearer ${token}`), n)]);
  rows.push([label, 'refused: bad token', await nsPerDecision(gate, 'read', facts('Bearer not.a.token'), 50_000)]);
}

{
  // A local introspection endpoint; after the first request every decision is a cache hit.
  let asked = 0;
  const endpoint = createServer((_req, res) => {
    asked++;
    const body = { active: true, iss: ISSUER, aud: RESOURCE, scope: 'invoices:read', exp: now + 3600, sub: 's' };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/introspect`;
  const gate = createGate({
    actions,
    resource: RESOURCE,
    issuers: [{ issuer: ISSUER, jwks, introspection: { url, clientId: 'rs', clientSecret: 'secret', cacheTtl: 60 } }],
  });
  const opaque = facts(`Bearer ${randomUUID()}`);
  rows.push([
    'with introspection, cache hit',
    'allowed (opaque token)',
    await nsPerDecision(gate, 'read', opaque, 200_000),
  ]);
  endpoint.close();
  if (asked !== 1) throw new Error(`the introspection endpoint was asked ${asked} times, expected once`);
}

process.stdout.write(`| gate | decision | ns per decision |\n|---|---|---:|\n`);
for (const [label, decision, ns] of rows)
  process.stdout.write(`| ${label} | ${decision} | ${Math.round(ns).toLocaleString('en-US')} |\n`);
