/**
 * tsx bench/src/lookup.ts: the two costs that dominate a cached decision, measured alone, beside
 * the cheaper shapes proposed for the core (docs/performance.md): finding a ~700-character token
 * in a Map (V8 hashes a header's fresh string on every request) against a short suffix key plus a
 * full comparison, and the RFC 6750 b64token expression over the same string.
 */
import { loadAverage } from './report.js';
import { startIssuer } from './tokens.js';

const issuer = await startIssuer();
const token = await issuer.mint('https://invoices.bench');
issuer.close();
const header = `Bearer ${token}`;
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const byToken = new Map([[token, 1]]);
const bySuffix = new Map([[token.slice(-24), { token, value: 1 }]]);
// A request's header is a new string each time: copy it so that V8 cannot reuse a cached hash.
const fresh = () => ` ${header}`.slice(1).slice(7);

const N = 1_000_000;
let sink = 0;
const cases: [string, () => void][] = [
  [
    'a fresh string alone (baseline)',
    () => {
      sink += fresh().length;
    },
  ],
  [
    'Map.get(whole token)',
    () => {
      sink += byToken.get(fresh()) ?? 0;
    },
  ],
  [
    'Map.get(last 24 characters) + === the whole token',
    () => {
      const candidate = fresh();
      const entry = bySuffix.get(candidate.slice(-24));
      if (entry !== undefined && entry.token === candidate) sink += entry.value;
    },
  ],
  [
    'b64token expression',
    () => {
      sink += B64TOKEN.test(fresh()) ? 1 : 0;
    },
  ],
];
process.stdout.write(`token of ${token.length} characters; load average ${loadAverage()}\n`);
for (let round = 0; round < 3; round++) {
  for (const [name, run] of cases) {
    const began = process.cpuUsage();
    for (let i = 0; i < N; i++) run();
    const { user, system } = process.cpuUsage(began);
    if (round === 2) process.stdout.write(`${name.padEnd(52)} ${(((user + system) * 1000) / N).toFixed(0)} ns\n`);
  }
}
if (sink === 0) throw new Error('nothing measured');
