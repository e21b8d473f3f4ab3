/**
 * pnpm soak [--duration S] [--connections N]: a bounded load run (loopback only) at
 * saturation against the Express invoice example with a mix of valid, refused and malformed
 * tokens. Every response must have its expected status: zero allows of refused tokens, zero
 * 5xx. Reports the event-loop delay p99 and the heap at the start, middle and end.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ISSUER, startIssuer } from './tokens.js';

const { values: args } = parseArgs({
  options: { duration: { type: 'string', default: '30' }, connections: { type: 'string', default: '20' } },
});
const duration = Number(args.duration);
const AUDIENCE = 'https://invoices.soak';
const issuer = await startIssuer();
const valid = await issuer.mint(AUDIENCE);
const forged = `${valid.split('.').slice(0, 2).join('.')}.${(await issuer.mint('https://other')).split('.')[2]}`;

const server = spawn(
  process.execPath,
  [
    '--expose-gc',
    '--conditions=@actiongate/source',
    '--import',
    'tsx',
    fileURLToPath(new URL('./soak-server.ts', import.meta.url)),
  ],
  {
    env: { ...process.env, PORT: '0', ISSUER, JWKS_URI: issuer.jwksUri, AUDIENCE },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const url = await new Promise<string>((resolve) =>
  server.stdout?.on('data', (chunk) => {
    const match = /listening on (\S+)/.exec(String(chunk));
    if (match) resolve(match[1] as string);
  }),
);
const stats = async (reset = false) =>
  (await (await fetch(`${url}/__soak`, { method: reset ? 'DELETE' : 'GET' })).json()) as {
    heapUsed: number;
    p50: number;
    p99: number;
    max: number;
  };

// Each connection sends this sequence over and over; each response is checked against it.
const counts = { total: 0, unexpected: 0, allowsOfRefused: 0, serverErrors: 0 };
const expect = (expected: number, refused: boolean) => (status: number) => {
  counts.total++;
  if (status !== expected) counts.unexpected++;
  if (refused && status >= 200 && status < 300) counts.allowsOfRefused++;
  if (status >= 500) counts.serverErrors++;
};
const requests = [
  {
    method: 'GET' as const,
    path: '/invoices',
    headers: { authorization: `Bearer ${valid}` },
    onResponse: expect(200, false),
  },
  {
    method: 'POST' as const,
    path: '/invoices/export',
    headers: { authorization: `Bearer ${valid}` },
    onResponse: expect(403, true),
  },
  {
    method: 'GET' as const,
    path: '/invoices',
    headers: { authorization: 'Bearer a b' },
    onResponse: expect(400, true),
  },
  {
    method: 'GET' as const,
    path: '/invoices',
    headers: { authorization: `Bearer ${forged}` },
    onResponse: expect(401, true),
  },
  { method: 'GET' as const, path: '/invoices', headers: {}, onResponse: expect(401, true) },
  {
    method: 'DELETE' as const,
    path: '/invoices/inv_1001',
    headers: { authorization: `Bearer ${valid}` },
    onResponse: expect(403, true),
  },
];

await autocannon({ url, connections: Number(args.connections), duration: 3, requests }); // warm-up
Object.assign(counts, { total: 0, unexpected: 0, allowsOfRefused: 0, serverErrors: 0 });
await stats(true);
const start = await stats();
let middle = start;
setTimeout(
  async () => {
    middle = await stats();
  },
  (duration * 1000) / 2,
);
const result = await autocannon({ url, connections: Number(args.connections), duration, requests });
const end = await stats();
server.kill('SIGKILL');
issuer.close();

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const lines = [
  `pnpm soak: ${duration} s at saturation, ${args.connections} connections, loopback, Express invoice example`,
  `requests: ${counts.total.toLocaleString('en-US')} (${Math.round(result.requests.average).toLocaleString('en-US')} req/s); unexpected statuses: ${counts.unexpected}; allows of refused tokens: ${counts.allowsOfRefused}; 5xx: ${counts.serverErrors}; socket errors: ${result.errors}`,
  `event-loop delay: p50 ${end.p50.toFixed(1)} ms, p99 ${end.p99.toFixed(1)} ms, max ${end.max.toFixed(1)} ms`,
  `heap after GC: ${mib(start.heapUsed)} MiB at the start, ${mib(middle.heapUsed)} MiB in the middle, ${mib(end.heapUsed)} MiB at the end`,
];
process.stdout.write(`${lines.join('\n')}\n`);
process.exitCode = counts.unexpected === 0 && counts.allowsOfRefused === 0 && counts.serverErrors === 0 ? 0 : 1;
