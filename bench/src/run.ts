/**
 * pnpm bench [--only express,koa,fastify,hono] [--requests N] [--warmup N] [--connections N]
 *            [--rounds N] [--memory-tokens N] [--skip-inprocess] [--skip-loopback]
 *
 * 1. In process, no sockets (inprocess.ts, in a child with --expose-gc): paired A/B of bare,
 *    a no-op middleware of the adapter's shape, and actiongate, per framework.
 * 2. Over loopback: each server in its own process, one after another, autocannon in this one;
 *    a fixed number of requests, the server's CPU time over them (CPU per request) and req/s,
 *    for bare, actiongate and the usual peer per framework; one token, then 10,000 tokens.
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

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    requests: { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '3000' },
    connections: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '301' },
    'memory-tokens': { type: 'string', default: '30000' },
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
  const kinds = FRAMEWORKS.flatMap((framework) => [
    `${framework}-bare`,
    `${framework}-actiongate`,
    ...(framework === 'express' ? ['express-actiongate-nocache'] : []),
    `${framework}-peer`,
  ]);
  for (const [mix, tokens] of mixes) {
    for (const kind of kinds) {
      const server = await startServer(kind, env);
      if (server === undefined) {
        process.stderr.write(`${mix.padEnd(14)} ${kind.padEnd(28)} adapter not available\n`);
        continue;
      }
      try {
        await load(server.url, tokens, { amount: Number(args.warmup), connections });
        const before = await cpuTime(server.url);
        const measured = await load(server.url, tokens, { amount: Number(args.requests), connections });
        const cpu = (await cpuTime(server.url)) - before;
        const row = { kind, mix, ...measured, cpuPerRequest: cpu / measured.requests, load: loadAverage() };
        rows.push(row);
        process.stderr.write(
          `${mix.padEnd(14)} ${kind.padEnd(28)} ${row.cpuPerRequest.toFixed(1)} µs CPU/req, ${Math.round(row.requestsPerSecond)} req/s (load ${row.load})\n`,
        );
      } finally {
        await server.stop();
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
        `Load average (1 / 5 / 15 min): ${inProcess.load}.`,
        '',
      ]
    : []),
  ...(rows.length > 0
    ? [
        `### Over loopback (${args.requests} requests per server after ${args.warmup} warm-up, ${args.connections} connections)`,
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
