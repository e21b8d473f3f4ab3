import { createGate, credentialFields, defineActions, webRequestFactsNow } from '@actiongate/core';
import { startIssuer, ISSUER } from '/work/main/bench/src/tokens.ts';
const issuer = await startIssuer();
const AUD = 'https://invoices.bench';
const token = await issuer.mint(AUD);
const gate = createGate({ actions: defineActions({ 'invoices.list': { scopes: ['invoices:read'] } }), resource: AUD, issuers: [{ issuer: ISSUER, jwksUri: issuer.jwksUri }] });
const prepared = gate.prepare('invoices.list');
const header = `Bearer ${token}`;
await gate.decide(prepared, { method: 'GET', path: '/invoices', authorization: header });
const N = 200_000;
const mk = () => new Request('http://localhost/invoices', { headers: { authorization: header } });
const cases: [string, (r: Request) => unknown][] = [
  ['new Request only', () => 0],
  ['url', (r) => r.url],
  ['method', (r) => r.method],
  ['headers.get(authorization)', (r) => r.headers.get('authorization')],
  ['headers.get x3', (r) => [r.headers.get('authorization'), r.headers.get('dpop'), r.headers.get('content-type')]],
  ['headers getter', (r) => r.headers],
  ['credentialFields auth', (r) => credentialFields(r.headers, 'authorization')],
  ['credentialFields auth+dpop', (r) => [credentialFields(r.headers, 'authorization'), credentialFields(r.headers, 'dpop')]],
  ['webRequestFactsNow', (r) => webRequestFactsNow(r, { params: {} })],
  ['facts + decideNow', (r) => gate.decideNow(prepared, webRequestFactsNow(r, { params: {} }) as never)],
];
const B = 2000;
for (let round = 0; round < 3; round++) {
  for (const [name, fn] of cases) {
    let sink = 0;
    let cpu = 0;
    for (let b = 0; b < N / B; b++) {
      const reqs = Array.from({ length: B }, mk);
      const t0 = process.cpuUsage();
      for (let i = 0; i < B; i++) sink += fn(reqs[i]!) === undefined ? 0 : 1;
      const c = process.cpuUsage(t0);
      cpu += c.user + c.system;
    }
    if (round === 2) console.log(name.padEnd(30), ((cpu / N) * 1000).toFixed(0), 'ns');
  }
}
issuer.close();
