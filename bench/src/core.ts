/**
 * pnpm bench:core: nanoseconds per decision, without HTTP, for an allowed request, a request
 * refused for scope, and a request refused for a bad token; with the token cache and without;
 * and an opaque token answered from the introspection cache (RFC 7662), its endpoint asked once.
 * Then DPoP (RFC 9449): an allowed request with a DPoP-bound token and a fresh proof each time
 * (proofs made before timing), beside the same gate's Bearer request, so that the difference
 * is the cost of verifying and recording a proof.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createGate, defineActions, type Gate, MemoryReplayStore, type RequestFacts } from '@actiongate/core';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';

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

// DPoP: each request needs its own proof (jti), so proofs are made first and timed decisions use them once.
const dpopKey = await generateKeyPair('ES256');
const dpopJwk = await exportJWK(dpopKey.publicKey);
const boundToken = await new SignJWT({
  scope: 'invoices:read',
  client_id: 'c',
  cnf: { jkt: await calculateJwkThumbprint(dpopJwk, 'sha256') },
})
  .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'k' })
  .setIssuer(ISSUER)
  .setAudience(RESOURCE)
  .setSubject('s')
  .setIssuedAt(now)
  .setExpirationTime(now + 3600)
  .setJti(randomUUID())
  .sign(privateKey);
const ath = createHash('sha256').update(boundToken).digest('base64url');
const PROOFS = 4000;
const proofs: string[] = [];
for (let i = 0; i < PROOFS; i++) {
  proofs.push(
    await new SignJWT({
      jti: randomUUID(),
      htm: 'GET',
      htu: `${RESOURCE}/invoices`,
      iat: Math.floor(Date.now() / 1000),
      ath,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: dpopJwk })
      .sign(dpopKey.privateKey),
  );
}
const dpopGate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks }], dpop: true });
const read = dpopGate.prepare('read');
const dpopFacts = (proof: string): RequestFacts => ({
  method: 'GET',
  path: '/invoices',
  authorization: `DPoP ${boundToken}`,
  dpop: proof,
});
const WARM = 500;
for (let i = 0; i < WARM; i++) {
  const decision = await dpopGate.decide(read, dpopFacts(proofs[i] as string));
  if (!decision.allow) throw new Error(`DPoP bench request refused: ${decision.code}`);
}
// CPU time (every thread of the process, Web Crypto's pool included) beside the wall time: on a
// shared machine the wall time also counts other processes' turns.
const cpuMicros = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};
let cpuStarted = process.cpuUsage();
let started = process.hrtime.bigint();
for (let i = WARM; i < PROOFS; i++) await dpopGate.decide(read, dpopFacts(proofs[i] as string));
const dpopNs = Number(process.hrtime.bigint() - started) / (PROOFS - WARM);
const dpopCpuNs = (cpuMicros(cpuStarted) * 1000) / (PROOFS - WARM);
// WebCrypto runs on libuv's thread pool: one request at a time mostly waits. Thirty-two at a time
// shows the cost per request a busy server pays (fresh proofs again, so that none is a replay).
const concurrentProofs: string[] = [];
for (let i = 0; i < PROOFS; i++) {
  concurrentProofs.push(
    await new SignJWT({
      jti: randomUUID(),
      htm: 'GET',
      htu: `${RESOURCE}/invoices`,
      iat: Math.floor(Date.now() / 1000),
      ath,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: dpopJwk })
      .sign(dpopKey.privateKey),
  );
}
const CONCURRENCY = 32;
started = process.hrtime.bigint();
for (let i = 0; i < PROOFS; i += CONCURRENCY) {
  const batch = concurrentProofs.slice(i, i + CONCURRENCY);
  const decisions = await Promise.all(batch.map((proof) => dpopGate.decide(read, dpopFacts(proof))));
  if (decisions.some((decision) => !decision.allow)) throw new Error('DPoP bench request refused');
}
const dpopConcurrentNs = Number(process.hrtime.bigint() - started) / PROOFS;
let plainCpuNs = 0;
const plain = await fetchBearer();
async function fetchBearer(): Promise<number> {
  const request = facts(`Bearer ${token}`);
  for (let i = 0; i < WARM; i++) await dpopGate.decide(read, request);
  cpuStarted = process.cpuUsage();
  started = process.hrtime.bigint();
  for (let i = 0; i < 50_000; i++) await dpopGate.decide(read, request);
  plainCpuNs = (cpuMicros(cpuStarted) * 1000) / 50_000;
  return Number(process.hrtime.bigint() - started) / 50_000;
}
rows.push(['DPoP accepted, token cache', 'allowed: Bearer', plain]);
rows.push(['DPoP accepted, token cache', 'allowed: DPoP (ES256 proof)', dpopNs]);
rows.push([
  'DPoP accepted, token cache',
  `allowed: DPoP, ${CONCURRENCY} at a time (wall time / requests)`,
  dpopConcurrentNs,
]);
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

// The in-memory replay store under a DPoP flood: proofs' jtis (43 base64url characters, as
// oauth4webapi makes them) under one client's key, each kept 301 s, arriving at the rate that
// fills the store in 300 s. Heap per entry, the store's own estimate, and a consume at the cap.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const replayRow = await (async () => {
  const ENTRIES = 200_000;
  let clock = 1_700_000_000_000;
  const store = new MemoryReplayStore({ maxEntries: ENTRIES, now: () => clock });
  const jkt = await calculateJwkThumbprint(dpopJwk, 'sha256');
  const key = () =>
    `dpop:${jkt}:${Buffer.from(randomUUID().replaceAll('-', '').padEnd(43, 'x')).toString('base64url')}`;
  const use = () => ({ expiresAt: Math.ceil(clock / 1000) * 1000 + 301_000, attempt: randomUUID() });
  const step = 300_000 / ENTRIES;
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < ENTRIES; i++, clock += step) await store.consume(key(), use());
  gc();
  const perEntry = (process.memoryUsage().heapUsed - before) / ENTRIES;
  const estimate = store.bytes / store.size;
  clock += 2_000; // the flood goes on at the cap: the oldest second expires as new proofs come
  const keys = Array.from({ length: 20_000 }, key);
  const cpu = process.cpuUsage();
  for (const k of keys) {
    await store.consume(k, use());
    clock += step;
  }
  const atCapNs = (cpuMicros(cpu) * 1000) / keys.length;
  const defaults = Math.min(1_000_000, Math.floor((128 * 1024 * 1024) / estimate));
  return (
    `\nIn-memory replay store, DPoP flood: ${perEntry.toFixed(0)} B of heap per proof (estimate ${estimate.toFixed(0)} B), ` +
    `${(atCapNs / 1000).toFixed(1)} µs CPU per consume at the cap; the default store holds ${defaults.toLocaleString('en-US')} ` +
    `proofs: ${Math.floor(defaults / 301).toLocaleString('en-US')} DPoP requests a second sustained with iatWindow.past 300 s\n`
  );
})();

process.stdout.write(`| gate | decision | ns per decision |\n|---|---|---:|\n`);
for (const [label, decision, ns] of rows)
  process.stdout.write(`| ${label} | ${decision} | ${Math.round(ns).toLocaleString('en-US')} |\n`);
process.stdout.write(
  `\nDPoP proof verification and record: ${((dpopNs - plain) / 1000).toFixed(1)} µs per request one at a time, ` +
    `${((dpopConcurrentNs - plain) / 1000).toFixed(1)} µs at ${CONCURRENCY} concurrent (DPoP minus Bearer, same gate); ` +
    `CPU ${((dpopCpuNs - plainCpuNs) / 1000).toFixed(1)} µs per request one at a time\n`,
);
process.stdout.write(replayRow);
