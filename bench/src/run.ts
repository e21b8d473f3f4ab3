/**
 * pnpm bench [--write] [--duration S] [--warmup S] [--connections N] [--memory-tokens N]
 *
 * Each server runs in its own process, one after another; autocannon runs in this process.
 * Every server gets the same RS256 key from one local JWKS endpoint and answers the same JSON.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { heapUsed, load, startServer } from './load.js';
import { goals, machine, type Row, table, versionOf } from './report.js';
import { ISSUER, startIssuer } from './tokens.js';

const { values: args } = parseArgs({
  options: {
    write: { type: 'boolean', default: false },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '20' },
    'memory-tokens': { type: 'string', default: '200000' },
    only: { type: 'string' },
  },
});
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const connections = Number(args.connections);
const KINDS = [
  'express-bare',
  'express-actiongate',
  'express-actiongate-nocache',
  'express-oauth2-jwt-bearer',
  'express-jwt',
  'koa-bare',
  'koa-actiongate',
  'koa-jwt',
].filter((kind) => args.only === undefined || args.only.split(',').includes(kind));
const AUDIENCE = 'https://invoices.bench';

const issuer = await startIssuer();
const env = { ISSUER, JWKS_URI: issuer.jwksUri, AUDIENCE };
process.stdout.write('minting tokens…\n');
const single = [await issuer.mint(AUDIENCE)];
const many = await issuer.mintMany(AUDIENCE, 10_000);
const mixes: [string, readonly string[]][] = [
  ['one token', single],
  ['10,000 tokens', many],
];

const rows: Row[] = [];
for (const [mix, tokens] of mixes) {
  for (const kind of KINDS) {
    const server = await startServer(kind, env);
    try {
      await load(server.url, tokens, { duration: warmup, connections });
      const measured = await load(server.url, tokens, { duration, connections });
      rows.push({ kind, mix, ...measured });
      process.stdout.write(`${mix.padEnd(14)} ${kind.padEnd(28)} ${Math.round(measured.requestsPerSecond)} req/s\n`);
    } finally {
      await server.stop();
    }
  }
}

// Memory: distinct valid tokens through the cached gate; growth must stay within the cap + 20 MB.
const memoryTokens = Number(args['memory-tokens']);
let memory = '';
if (memoryTokens > 0 && KINDS.includes('express-actiongate')) {
  process.stdout.write(`minting ${memoryTokens} tokens for the memory run…\n`);
  const spray = await issuer.mintMany(AUDIENCE, memoryTokens);
  const server = await startServer('express-actiongate', env);
  try {
    await load(server.url, single, { duration: 2, connections });
    const before = await heapUsed(server.url);
    const result = await load(server.url, spray, { amount: spray.length, connections });
    const after = await heapUsed(server.url);
    const growth = (after - before) / 2 ** 20;
    const cap = 16;
    memory = `${memoryTokens.toLocaleString('en-US')} distinct valid tokens through actiongate Express (cache cap 16 MiB, 10,000 entries): heap ${(before / 2 ** 20).toFixed(1)} MiB before, ${(after / 2 ** 20).toFixed(1)} MiB after, growth ${growth.toFixed(1)} MiB (goal ≤ ${cap} + 20 MiB: ${growth <= cap + 20 ? 'met' : 'NOT MET'}); ${result.non2xx} non-2xx.`;
  } finally {
    await server.stop();
  }
}
issuer.close();

const versions = [
  'express',
  'koa',
  'express-oauth2-jwt-bearer',
  'express-jwt',
  'jwks-rsa',
  'koa-jwt',
  'jose',
  'autocannon',
]
  .map((name) => `${name} ${versionOf(name)}`)
  .join(', ');
const command = `pnpm bench ${process.argv.slice(2).join(' ')}`.trim();
const report = [
  table(rows),
  '',
  ...goals(rows).map((line) => `- ${line}`),
  ...(memory ? ['', `Memory: ${memory}`] : []),
].join('\n');
process.stdout.write(`\n${report}\n`);

if (args.write) {
  const target = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));
  writeFileSync(
    target,
    `# Benchmarks

Produced by \`${command}\` on ${new Date().toISOString().slice(0, 10)}.

- Machine: ${machine()}
- Versions: ${versions}
- Method: each server in its own process, one after another; autocannon (${connections} connections) in the
  runner process; ${warmup} s warm-up, then ${duration} s measured; one RS256 key from one local JWKS endpoint; every
  server answers the same JSON and checks the \`invoices:read\` scope. "10,000 tokens" sends 10,000 distinct valid
  tokens in turn.

${report}
`,
  );
  process.stdout.write(`\nwrote ${target}\n`);
}
