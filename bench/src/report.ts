/** The benchmark table, the goals, and docs/benchmarks.md. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import type { FrameworkResult, Spread } from './inprocess.js';
import type { Measurement } from './load.js';

export interface Row extends Measurement {
  readonly kind: string;
  readonly mix: string;
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

const bareOf = (kind: string) => (kind.startsWith('koa') ? 'koa-bare' : 'express-bare');
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function table(rows: readonly Row[]): string {
  const lines = [
    '| token mix | server | requests/s | p50 ms | p99 ms | × bare framework | × express-oauth2-jwt-bearer | × koa-jwt |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const of = (kind: string) => rows.find((r) => r.mix === row.mix && r.kind === kind)?.requestsPerSecond;
    const ratio = (kind: string) => {
      const base = of(kind);
      return base ? `${fmt(row.requestsPerSecond / base, 2)}×` : '';
    };
    const bad = row.non2xx > 0 || row.errors > 0 ? ` (${row.non2xx} non-2xx, ${row.errors} errors)` : '';
    lines.push(
      `| ${row.mix} | ${row.kind}${bad} | ${fmt(row.requestsPerSecond)} | ${row.p50} | ${row.p99} | ${ratio(bareOf(row.kind))} | ${ratio('express-oauth2-jwt-bearer')} | ${row.kind.startsWith('koa') ? ratio('koa-jwt') : ''} |`,
    );
  }
  return lines.join('\n');
}

export function goals(rows: readonly Row[]): string[] {
  const rps = (mix: string, kind: string) =>
    rows.find((r) => r.mix === mix && r.kind === kind)?.requestsPerSecond ?? Number.NaN;
  const check = (label: string, value: number, goal: number) =>
    `${value >= goal ? 'met    ' : 'NOT MET'} ${label}: ${fmt(value, 2)}× (goal ≥ ${goal}×)`;
  const one = 'one token';
  const many = '10,000 tokens';
  return [
    check('Express, cached, vs bare Express', rps(one, 'express-actiongate') / rps(one, 'express-bare'), 0.9),
    check(
      'Express, cached, vs express-oauth2-jwt-bearer',
      rps(one, 'express-actiongate') / rps(one, 'express-oauth2-jwt-bearer'),
      1.35,
    ),
    check(
      'Express, no cache, vs express-oauth2-jwt-bearer',
      rps(one, 'express-actiongate-nocache') / rps(one, 'express-oauth2-jwt-bearer'),
      1.0,
    ),
    check('Koa, cached, vs bare Koa', rps(one, 'koa-actiongate') / rps(one, 'koa-bare'), 0.9),
    check('Koa, cached, vs koa-jwt', rps(one, 'koa-actiongate') / rps(one, 'koa-jwt'), 1.35),
    check(
      '10,000 tokens: Express, cached, vs express-oauth2-jwt-bearer',
      rps(many, 'express-actiongate') / rps(many, 'express-oauth2-jwt-bearer'),
      1.0,
    ),
  ];
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

/** The in-process table: µs per request and paired differences, median [25th, 75th percentile]. */
export function inProcessTable(results: readonly FrameworkResult[]): string {
  const lines = [
    '| framework | bare µs/req | noop-sync − bare | noop − bare | **actiongate − noop** (goal ≤ 3) | actiongate − bare | bare ÷ actiongate | 10,000 tokens cycled: actiongate − noop | 10,000 tokens, first pass µs/req (actiongate / noop) | heap growth |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    if (!r.available) {
      lines.push(`| ${r.framework} | adapter not available | | | | | | | | |`);
      continue;
    }
    const p = r.pairs ?? {};
    const d = r.distinct;
    lines.push(
      `| ${r.framework} | ${us(r.perRequest?.bare)} | ${us(p['noop-sync − bare'])} | ${us(p['noop − bare'])} | **${us(p['actiongate − noop'])}** | ${us(p['actiongate − bare'])} | ${r.ratioToBare ? `${fmt(r.ratioToBare.median, 3)}×` : ''} | ${us(d?.cycled)} | ${d ? `${fmt(d.firstPass.actiongate, 1)} / ${fmt(d.firstPass.noop, 1)}` : ''} | ${d?.heapGrowthMiB === undefined ? '' : `${fmt(d.heapGrowthMiB, 1)} MiB`} |`,
    );
  }
  return lines.join('\n');
}
