/**
 * pnpm bench:core: nanoseconds per decision, without HTTP, for an allowed request, a request
 * refused for scope, and a request refused for a bad token; with the token cache and without.
 */
import { randomUUID } from 'node:crypto';
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

process.stdout.write(`| gate | decision | ns per decision |\n|---|---|---:|\n`);
for (const [label, decision, ns] of rows)
  process.stdout.write(`| ${label} | ${decision} | ${Math.round(ns).toLocaleString('en-US')} |\n`);
