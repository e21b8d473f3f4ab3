/**
 * pnpm bench [--only express,koa,fastify,hono] [--requests N] [--warmup N] [--connections N]
 *            [--rounds N] [--loopback-rounds N] [--memory-tokens N] [--skip-inprocess] [--skip-loopback]
 *
 * 1. In process, no sockets (inprocess.ts, in a child with --expose-gc): paired A/B of bare,
 *    a no-op middleware of the adapter's shape, and actiongate, per framework.
 * 2. Over loopback: each server in its own process, autocannon in this one; a fixed number of
 *    requests in rounds that alternate between a framework's servers (bare, actiongate, the usual
 *    peer), the server's CPU time over them (CPU per request) and req/s; one token, then 10,000.
 *
 * Prints the tables and writes them to bench/results/latest.md (and a dated .json beside it).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { FrameworkResult } from './inprocess.js';
import { cpuTime, heapUsed, load, startServer } from './load.js';
import {
  allocatedTable,
  inProcessTable,
  type LoopbackRow,
  loadAverage,
  loopbackGoals,
  loopbackTable,
  machine,
  promisesTable,
  versions,
} from './report.js';
import { ISSUER, startIssuer } from './tokens.js';

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = (sorted.length - 1) / 2;
  return ((sorted[Math.floor(middle)] as number) + (sorted[Math.ceil(middle)] as number)) / 2;
};

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    requests: { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '3000' },
    connections: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '301' },
    'memory-tokens': { type: 'string', default: '30000' },
    'loopback-rounds': { type: 'string', default: '5' },
    'skip-inprocess': { type: 'boolean', default: false },
    'skip-loopback': { type: 'boolean', default: false },
  },
});
const FRAMEWORKS = (args.only ?? 'express,koa,fastify,hono').split(',');
const conditions = process.execArgv.filter((flag) => flag.startsWith('--conditions'));
const results = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(results, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);

// 1. In process.
let inProcess: { load: string; results: FrameworkResult[] } | undefined;
if (!args['skip-inprocess']) {
  const json = `${results}inprocess-${stamp}.json`;
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      ...conditions,
      '--import',
      'tsx',
      fileURLToPath(new URL('./inprocess.ts', import.meta.url)),
      `--only=${FRAMEWORKS.join(',')}`,
      `--rounds=${args.rounds}`,
      `--json=${json}`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the in-process run exited with ${code}`);
  inProcess = JSON.parse(readFileSync(json, 'utf8'));
}

// 2. Over loopback.
const rows: LoopbackRow[] = [];
let memory = '';
if (!args['skip-loopback']) {
  const AUDIENCE = 'https://invoices.bench';
  const issuer = await startIssuer();
  const env = { ISSUER, JWKS_URI: issuer.jwksUri, AUDIENCE };
  process.stderr.write('minting tokens…\n');
  const mixes: [string, readonly string[]][] = [
    ['one token', [await issuer.mint(AUDIENCE)]],
    ['10,000 tokens', await issuer.mintMany(AUDIENCE, 10_000)],
  ];
  const connections = Number(args.connections);
  // noop-sync: one more middleware that does nothing, the framework's own cost of a guard's place in the chain.
  const kinds = FRAMEWORKS.flatMap((framework) => [
    `${framework}-bare`,
    `${framework}-noop-sync`,
    `${framework}-actiongate`,
    ...(framework === 'express' ? ['express-actiongate-nocache'] : []),
    `${framework}-peer`,
  ]);
  // Paired over loopback too: a framework's servers all run at once (idle but one), and each round
  // sends every one of them its share of requests in a rotating order, so that a change of load on
  // the machine falls on all of them; ratios are taken within a round, then the median.
  const rounds = Number(args['loopback-rounds']);
  const perRound = Math.ceil(Number(args.requests) / rounds);
  for (const [mix, tokens] of mixes) {
    for (const framework of FRAMEWORKS) {
      const names = kinds.filter((kind) => kind.startsWith(`${framework}-`));
      const servers = new Map<string, NonNullable<Awaited<ReturnType<typeof startServer>>>>();
      try {
        for (const kind of names) {
          const server = await startServer(kind, env);
          if (server === undefined)
            process.stderr.write(`${mix.padEnd(14)} ${kind.padEnd(28)} adapter not available\n`);
          else servers.set(kind, server);
        }
        const samples = new Map<string, { cpu: number[]; measured: Awaited<ReturnType<typeof load>>[] }>();
        for (const [kind, server] of servers) {
          await load(server.url, tokens, { amount: Number(args.warmup), connections });
          samples.set(kind, { cpu: [], measured: [] });
        }
        const order = [...servers.keys()];
        for (let round = 0; round < rounds; round++) {
          for (let k = 0; k < order.length; k++) {
            const kind = order[(round + k) % order.length] as string;
            const server = servers.get(kind) as NonNullable<Awaited<ReturnType<typeof startServer>>>;
            const before = await cpuTime(server.url);
            // Each server sees the tokens in the same sequence: with 10,000, 7,000 new ones, then the first again.
            const start = Number(args.warmup) + round * perRound;
            const measured = await load(server.url, tokens, { amount: perRound, connections, start });
            const sample = samples.get(kind) as { cpu: number[]; measured: Awaited<ReturnType<typeof load>>[] };
            sample.cpu.push(((await cpuTime(server.url)) - before) / measured.requests);
            sample.measured.push(measured);
          }
        }
        for (const [kind, { cpu, measured }] of samples) {
          const sum = (pick: (m: (typeof measured)[number]) => number) => measured.reduce((a, m) => a + pick(m), 0);
          const row: LoopbackRow = {
            kind,
            mix,
            cpuPerRequest: median(cpu),
            cpuPerRound: cpu,
            requestsPerSecond: median(measured.map((m) => m.requestsPerSecond)),
            p50: median(measured.map((m) => m.p50)),
            p99: median(measured.map((m) => m.p99)),
            non2xx: sum((m) => m.non2xx),
            errors: sum((m) => m.errors),
            requests: sum((m) => m.requests),
            load: loadAverage(),
          };
          rows.push(row);
          process.stderr.write(
            `${mix.padEnd(14)} ${kind.padEnd(28)} ${row.cpuPerRequest.toFixed(1)} µs CPU/req, ${Math.round(row.requestsPerSecond)} req/s (load ${row.load})\n`,
          );
        }
      } finally {
        for (const server of servers.values()) await server.stop();
      }
    }
  }
  // Memory: distinct valid tokens through the cached gate; growth must stay within the cache's cap + 20 MiB.
  const memoryTokens = Number(args['memory-tokens']);
  if (memoryTokens > 0 && FRAMEWORKS.includes('express')) {
    process.stderr.write(`minting ${memoryTokens} tokens for the memory run…\n`);
    const spray = await issuer.mintMany(AUDIENCE, memoryTokens);
    const server = await startServer('express-actiongate', env);
    if (server !== undefined) {
      try {
        await load(server.url, mixes[0]?.[1] as string[], { amount: 2000, connections });
        const before = await heapUsed(server.url);
        const result = await load(server.url, spray, { amount: spray.length, connections });
        const after = await heapUsed(server.url);
        const growth = (after - before) / 2 ** 20;
        memory = `${memoryTokens.toLocaleString('en-US')} distinct valid tokens through actiongate Express (cache cap 16 MiB, 10,000 entries): heap ${(before / 2 ** 20).toFixed(1)} MiB before, ${(after / 2 ** 20).toFixed(1)} MiB after, growth ${growth.toFixed(1)} MiB (goal ≤ 16 + 20 MiB: ${growth <= 36 ? 'met' : 'NOT MET'}); ${result.non2xx} non-2xx; load ${loadAverage()}.`;
      } finally {
        await server.stop();
      }
    }
  }
  issuer.close();
}

const command = `pnpm bench ${process.argv.slice(2).join(' ')}`.trim();
const report = [
  `Produced by \`${command}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
  '',
  `- Machine: ${machine()}`,
  `- Versions: ${versions()}`,
  '',
  ...(inProcess
    ? [
        '### In process (CPU µs per injected request; median [25th, 75th percentile] of per-round paired differences)',
        '',
        inProcessTable(inProcess.results),
        '',
        "Promises created per request (async_hooks; the injection driver's included):",
        '',
        promisesTable(inProcess.results),
        '',
        "Bytes allocated on the JS heap per request (100 requests between full collections, none during them; median of 15; the injection driver's included):",
        '',
        allocatedTable(inProcess.results),
        '',
        `Load average (1 / 5 / 15 min): ${inProcess.load}.`,
        '',
      ]
    : []),
  ...(rows.length > 0
    ? [
        `### Over loopback (${args.requests} requests per server in ${args['loopback-rounds']} alternating rounds, after ${args.warmup} warm-up, ${args.connections} connections; CPU per request and req/s: the median of the rounds; "× bare (CPU)": the median of the per-round ratios)`,
        '',
        loopbackTable(rows),
        '',
        ...loopbackGoals(rows).map((line) => `- ${line}`),
        ...(memory ? ['', `Memory: ${memory}`] : []),
      ]
    : []),
].join('\n');
process.stdout.write(`\n${report}\n`);
writeFileSync(`${results}latest.md`, `${report}\n`);
writeFileSync(`${results}loopback-${stamp}.json`, JSON.stringify({ command, rows, memory }, null, 2));
process.stderr.write(`\nwrote ${results}latest.md\n`);
