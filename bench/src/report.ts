/** The benchmark table, the goals, and docs/benchmarks.md. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import type { FrameworkResult, Spread } from './inprocess.js';
import type { Measurement } from './load.js';

export interface LoopbackRow extends Measurement {
  readonly kind: string;
  readonly mix: string;
  /** The server process's CPU time (user + system) over the measured requests, µs per request. */
  readonly cpuPerRequest: number;
  /** CPU per request in each round, for paired ratios. */
  readonly cpuPerRound: readonly number[];
  /** Load average when the row was measured. */
  readonly load: string;
}

const require = createRequire(import.meta.url);
export function versionOf(name: string): string {
  try {
    const entry = require.resolve(name);
    let dir = entry;
    for (let i = 0; i < 6; i++) {
      dir = dir.slice(0, dir.lastIndexOf('/'));
      try {
        const pkg = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name) return pkg.version ?? '?';
      } catch {}
    }
  } catch {}
  return '?';
}

const frameworkOf = (kind: string) => kind.split('-')[0] as string;

/** The median over rounds of `base`'s CPU per request over `row`'s, each round with itself. */
function pairedRatio(base: LoopbackRow, row: LoopbackRow): number {
  const ratios = row.cpuPerRound.map((cpu, i) => (base.cpuPerRound[i] as number) / cpu).sort((a, b) => a - b);
  const middle = (ratios.length - 1) / 2;
  return ((ratios[Math.floor(middle)] as number) + (ratios[Math.ceil(middle)] as number)) / 2;
}
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * The loopback table. "× bare (CPU)" is bare's CPU per request over this server's: the share of
 * bare throughput a CPU-bound server would keep (1.00× = free, 0.95× = 5% more CPU a request).
 */
export function loopbackTable(rows: readonly LoopbackRow[]): string {
  const lines = [
    '| token mix | server | CPU µs/req | × bare (CPU) | × peer (CPU) | req/s | × bare (req/s) | p99 ms | load avg (1/5/15) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const row of rows) {
    const of = (kind: string) => rows.find((r) => r.mix === row.mix && r.kind === kind);
    const bare = of(`${frameworkOf(row.kind)}-bare`);
    const peer = of(`${frameworkOf(row.kind)}-peer`);
    const bad = row.non2xx > 0 || row.errors > 0 ? ` (${row.non2xx} non-2xx, ${row.errors} errors)` : '';
    lines.push(
      `| ${row.mix} | ${row.kind}${bad} | ${fmt(row.cpuPerRequest, 1)} | ${bare ? `${fmt(pairedRatio(bare, row), 2)}×` : ''} | ${peer ? `${fmt(pairedRatio(peer, row), 2)}×` : ''} | ${fmt(row.requestsPerSecond)} | ${bare ? `${fmt(row.requestsPerSecond / bare.requestsPerSecond, 2)}×` : ''} | ${row.p99} | ${row.load} |`,
    );
  }
  return lines.join('\n');
}

/** The issue's loopback goals, on CPU per request: ≥ 0.95× bare; with 10,000 tokens no worse than the peer. */
export function loopbackGoals(rows: readonly LoopbackRow[]): string[] {
  const row = (mix: string, kind: string) => rows.find((r) => r.mix === mix && r.kind === kind);
  const lines: string[] = [];
  for (const framework of ['express', 'koa', 'fastify', 'hono']) {
    const bare = row('one token', `${framework}-bare`);
    const ours = row('one token', `${framework}-actiongate`);
    if (bare !== undefined && ours !== undefined) {
      const ratio = pairedRatio(bare, ours);
      lines.push(
        `${ratio >= 0.95 ? 'met    ' : 'NOT MET'} ${framework}, one token, cached: ${fmt(ratio, 2)}× bare CPU per request (goal ≥ 0.95×)`,
      );
    }
    const peer = row('10,000 tokens', `${framework}-peer`);
    const many = row('10,000 tokens', `${framework}-actiongate`);
    if (peer !== undefined && many !== undefined) {
      const ratio = pairedRatio(peer, many);
      lines.push(
        `${ratio >= 1 ? 'met    ' : 'NOT MET'} ${framework}, 10,000 tokens: ${fmt(ratio, 2)}× the peer's CPU per request (goal ≥ 1×)`,
      );
    }
  }
  return lines;
}

export function versions(): string {
  return [
    'express',
    'koa',
    'fastify',
    'hono',
    '@hono/node-server',
    'express-oauth2-jwt-bearer',
    'koa-jwt',
    'jwks-rsa',
    '@fastify/jwt',
    'get-jwks',
    'jose',
    'light-my-request',
    'autocannon',
  ]
    .map((name) => `${name} ${versionOf(name)}`)
    .join(', ');
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
}

/** The 1, 5 and 15 minute load averages: the machine is shared, so every figure carries them. */
export function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');
}

const us = (s: Spread | undefined) =>
  s === undefined ? '' : `${fmt(s.median, 2)} [${fmt(s.p25, 2)}, ${fmt(s.p75, 2)}]`;
/** The median, its 95% confidence interval, then the 25th–75th percentiles of the rounds. */
const usWithInterval = (s: Spread | undefined) =>
  s === undefined
    ? ''
    : `${fmt(s.median, 2)} (CI ${fmt(s.medianLow, 2)}…${fmt(s.medianHigh, 2)}) [${fmt(s.p25, 2)}, ${fmt(s.p75, 2)}]`;

/** The in-process table: µs per request and paired differences, median [25th, 75th percentile]. */
export function inProcessTable(results: readonly FrameworkResult[]): string {
  const lines = [
    '| framework | bare µs/req | noop-sync − bare | noop-shape − noop-sync (storing the AuthInfo; Hono: and the `.then`) | noop − bare | **actiongate − noop-shape** (same shape; goal ≤ 3; median (95% CI of the median) [p25, p75]) | the same ÷ bare (%) | actiongate − noop-sync | actiongate − noop (async) | of which facts (noop-facts − noop) | of which decision (actiongate − noop-facts) | actiongate − bare | bare ÷ actiongate | 10,000 tokens cycled: actiongate − noop | 10,000 tokens, first pass µs/req (actiongate / noop) | heap growth |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    if (!r.available) {
      lines.push(`| ${r.framework} | adapter not available | | | | | | | | | | | | | | |`);
      continue;
    }
    const p = r.pairs ?? {};
    const d = r.distinct;
    lines.push(
      `| ${r.framework} | ${us(r.perRequest?.bare)} | ${us(p['noop-sync − bare'])} | ${us(p['noop-shape − noop-sync'])} | ${us(p['noop − bare'])} | **${usWithInterval(p['actiongate − noop-shape'])}** | ${r.shareOfBare ? `${fmt(r.shareOfBare.median, 1)}%` : ''} | ${us(p['actiongate − noop-sync'])} | ${us(p['actiongate − noop'])} | ${us(p['noop-facts − noop'])} | ${us(p['actiongate − noop-facts'])} | ${us(p['actiongate − bare'])} | ${r.ratioToBare ? `${fmt(r.ratioToBare.median, 3)}×` : ''} | ${us(d?.cycled)} | ${d ? `${fmt(d.firstPass.actiongate, 1)} / ${fmt(d.firstPass.noop, 1)}` : ''} | ${d?.heapGrowthMiB === undefined ? '' : `${fmt(d.heapGrowthMiB, 1)} MiB`} |`,
    );
  }
  return lines.join('\n');
}

/** Promises created per request by each variant (async_hooks; the injection driver's included). */
export const promisesTable = (results: readonly FrameworkResult[]): string =>
  variantTable(results, (r) => r.promises, 1);

/**
 * Bytes allocated on the JS heap per request by each variant (the injection driver's included),
 * with actiongate's own (actiongate − noop-shape) last: what garbage collection pays for.
 */
export const allocatedTable = (results: readonly FrameworkResult[]): string =>
  variantTable(
    results,
    (r) => r.allocated,
    0,
    (counts) =>
      counts.actiongate === undefined || counts['noop-shape'] === undefined
        ? ''
        : fmt(counts.actiongate - counts['noop-shape']),
  );

function variantTable(
  results: readonly FrameworkResult[],
  pick: (result: FrameworkResult) => Record<string, number> | undefined,
  digits: number,
  ours?: (counts: Record<string, number>) => string,
): string {
  const variants = ['bare', 'noop-sync', 'noop-shape', 'noop', 'noop-facts', 'actiongate'];
  const extra = ours === undefined ? [] : ['actiongate − noop-shape'];
  const lines = [
    `| framework | ${[...variants, ...extra].join(' | ')} |`,
    `|---|${[...variants, ...extra].map(() => '---:').join('|')}|`,
  ];
  for (const r of results) {
    const counts = pick(r);
    if (counts === undefined) continue;
    const cells = variants.map((v) => (counts[v] === undefined ? '' : fmt(counts[v], digits)));
    if (ours !== undefined) cells.push(ours(counts));
    lines.push(`| ${r.framework} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
