/**
 * pnpm bench:inprocess [--rounds N] [--batch-ms MS] [--only express,koa,fastify,hono] [--json FILE]
 *
 * Requests injected into each app's handler, no sockets: light-my-request for Express and Koa
 * (Node request listeners), Fastify's inject(), Hono's app.request(). For each framework, many
 * rounds; in each round every variant (bare, noop-sync, noop-shape, noop, actiongate) serves one batch of
 * requests, in an order shuffled anew for each round, and the pairs are compared within the
 * round, so that load from other processes on the machine falls on both sides of a difference.
 * Reported: the median of the per-round differences in µs per request, and their spread
 * (25th–75th percentile); the promises and bytes allocated per request, which load on the machine
 * cannot blur. Then 10,000 distinct tokens (a first pass where every token is
 * verified, then cycled through the warm cache), and the heap after.
 *
 * Run with --expose-gc (the pnpm script does) for the heap figures.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import type { AppConfig, Variant } from './apps.js';
import { batch, promisesPerRequest, type Send, sender } from './inject.js';
import { loadAverage } from './report.js';
import { ISSUER, startIssuer } from './tokens.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '301' },
    'batch-ms': { type: 'string', default: '3' },
    only: { type: 'string' },
    json: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(args.rounds);
const BATCH_MS = Number(args['batch-ms']);
const FRAMEWORKS = ['express', 'koa', 'fastify', 'hono'].filter(
  (name) => args.only === undefined || args.only.split(',').includes(name),
);
const PAIRED: readonly Variant[] = ['bare', 'noop-sync', 'noop-shape', 'noop', 'actiongate'];
// Where the adapter's own facts can be built without it (Express, Koa): the decomposition.
const WITH_FACTS: readonly Variant[] = ['bare', 'noop-sync', 'noop-shape', 'noop', 'noop-facts', 'actiongate'];
const AUDIENCE = 'https://invoices.bench';
const log = (line: string) => args.quiet || process.stderr.write(`${line}\n`);

const quantile = (sorted: readonly number[], q: number) => {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return (sorted[low] as number) + ((sorted[Math.ceil(at)] as number) - (sorted[low] as number)) * (at - low);
};
export interface Spread {
  readonly median: number;
  readonly p25: number;
  readonly p75: number;
  /**
   * A 95% confidence interval of the median (distribution-free: the order statistics at ranks
   * n/2 ± 1.96·√n/2), i.e. how far another run of as many rounds may put it.
   */
  readonly medianLow: number;
  readonly medianHigh: number;
}
const spread = (values: readonly number[]): Spread => {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const half = (1.96 * Math.sqrt(n)) / 2;
  const rank = (r: number) => sorted[Math.min(n - 1, Math.max(0, Math.round(r)))] as number;
  return {
    median: quantile(sorted, 0.5),
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
    medianLow: rank(n / 2 - half - 1),
    medianHigh: rank(n / 2 + half),
  };
};

export interface FrameworkResult {
  readonly framework: string;
  readonly available: boolean;
  readonly batch?: number;
  /** µs per request of each variant, median over rounds. */
  readonly perRequest?: Record<string, Spread>;
  /** Paired differences in µs per request, e.g. `actiongate-noop`. */
  readonly pairs?: Record<string, Spread>;
  /** Promises created per request, per variant (the driver's included). */
  readonly promises?: Record<string, number>;
  /** Bytes allocated on the JS heap per request, per variant (the driver's included). */
  readonly allocated?: Record<string, number>;
  /** bare µs / actiongate µs per round: the in-process throughput ratio. */
  readonly ratioToBare?: Spread;
  /**
   * (actiongate − noop-shape) ÷ bare per round, in %: the adapter's cost as a share of the
   * framework's own, which holds still when the machine's speed drifts between runs (every µs
   * figure then scales together).
   */
  readonly shareOfBare?: Spread;
  readonly distinct?: {
    readonly firstPass: { actiongate: number; noop: number };
    readonly cycled: Spread;
    readonly heapGrowthMiB?: number;
  };
}

/**
 * A new order of the variants for every round. A rotation keeps each variant behind the same
 * neighbour, which leaves it the same collector debt and the same warm caches round after round:
 * a bias that no number of rounds averages away.
 */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const order = [...items];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as T, order[i] as T];
  }
  return order;
}

/** mulberry32: a small seeded generator, so that a run's orders can be repeated. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const gc = () => (globalThis as { gc?: () => void }).gc?.();
const heapMiB = () => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

async function measure(
  framework: string,
  config: AppConfig,
  single: readonly string[],
  many: readonly string[],
): Promise<FrameworkResult> {
  const heapBefore = heapMiB();
  const sends = new Map<Variant, Send>();
  const variants = framework === 'express' || framework === 'koa' ? WITH_FACTS : PAIRED;
  for (const variant of variants) {
    const send = await sender(framework, variant, config);
    if (send === undefined) return { framework, available: false };
    sends.set(variant, send);
  }
  // Warm-up (JIT, the gate's first key set fetch and verification), then the batch size for BATCH_MS.
  for (const send of sends.values()) await batch(send, single, 2000);
  // Sized on a typical bare batch (the median of nine), not one long one: the collector's pauses
  // would make batches a third as long as meant, and a short batch pays most for switching apps
  // (caches and inline caches warmed by the variant before), which a server serving one app does not.
  const probes: number[] = [];
  for (let i = 0; i < 9; i++) probes.push(await batch(sends.get('bare') as Send, single, 100));
  const count = Math.max(16, Math.round((BATCH_MS * 1000) / spread(probes).median));
  const promises: Record<string, number> = {};
  for (const [variant, send] of sends) promises[variant] = await promisesPerRequest(send, single[0] as string);
  const samples = new Map<Variant, number[]>(variants.map((variant) => [variant, []]));
  const random = seededRandom(ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of shuffled(variants, random)) {
      (samples.get(variant) as number[]).push(await batch(sends.get(variant) as Send, single, count));
    }
  }
  const of = (variant: Variant) => samples.get(variant) as number[];
  const diff = (a: Variant, b: Variant) => spread(of(a).map((value, i) => value - (of(b)[i] as number)));
  const result = {
    framework,
    available: true,
    batch: count,
    promises,
    perRequest: Object.fromEntries(variants.map((variant) => [variant, spread(of(variant))])),
    pairs: {
      'noop-sync − bare': diff('noop-sync', 'bare'),
      'noop-shape − noop-sync': diff('noop-shape', 'noop-sync'),
      'noop − bare': diff('noop', 'bare'),
      ...(sends.has('noop-facts')
        ? {
            'noop-facts − noop': diff('noop-facts', 'noop'),
            'actiongate − noop-facts': diff('actiongate', 'noop-facts'),
          }
        : {}),
      'actiongate − noop': diff('actiongate', 'noop'),
      'actiongate − noop-sync': diff('actiongate', 'noop-sync'),
      'actiongate − noop-shape': diff('actiongate', 'noop-shape'),
      'actiongate − bare': diff('actiongate', 'bare'),
    },
    ratioToBare: spread(of('bare').map((value, i) => value / (of('actiongate')[i] as number))),
    shareOfBare: spread(
      of('actiongate').map((value, i) => (100 * (value - (of('noop-shape')[i] as number))) / (of('bare')[i] as number)),
    ),
  };
  log(
    `${framework}: actiongate − noop-shape ${result.pairs['actiongate − noop-shape'].median.toFixed(2)} µs, actiongate − noop-sync ${result.pairs['actiongate − noop-sync'].median.toFixed(2)} µs, actiongate − noop ${result.pairs['actiongate − noop'].median.toFixed(2)} µs, noop − bare ${result.pairs['noop − bare'].median.toFixed(2)} µs (batch ${count})`,
  );

  // 10,000 distinct tokens: the first pass verifies each one; then cycled, paired with the noop.
  const actiongate = sends.get('actiongate') as Send;
  const noop = sends.get('noop') as Send;
  const firstPass = {
    actiongate: await batch(actiongate, many, many.length),
    noop: await batch(noop, many, many.length),
  };
  const cycled: number[] = [];
  let offset = 0;
  for (let round = 0; round < Math.ceil(ROUNDS / 2); round++) {
    const a = await batch(actiongate, many, count, offset);
    const b = await batch(noop, many, count, offset);
    cycled.push(a - b);
    offset += count;
  }
  const heapGrowthMiB = (globalThis as { gc?: unknown }).gc ? heapMiB() - heapBefore : undefined;
  log(`${framework}: 10,000 tokens cycled, actiongate − noop ${spread(cycled).median.toFixed(2)} µs`);
  return { ...result, distinct: { firstPass, cycled: spread(cycled), heapGrowthMiB } };
}

/** Bytes allocated per request, measured by allocation.ts in a process of its own (see there). */
async function allocations(): Promise<Record<string, Record<string, number>>> {
  const script = fileURLToPath(new URL('./allocation.ts', import.meta.url));
  const conditions = process.execArgv.filter((flag) => flag.startsWith('--conditions'));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--max-semi-space-size=128', ...conditions, '--import', 'tsx', script, `--only=${FRAMEWORKS}`],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as Record<string, Record<string, number>>;
}

export async function runInProcess(): Promise<{ load: string; results: FrameworkResult[] }> {
  log('bytes allocated per request…');
  const allocated = await allocations();
  log(JSON.stringify(allocated));
  const issuer = await startIssuer();
  try {
    const jwksUri = issuer.jwksUri;
    const config: AppConfig = { issuer: ISSUER, audience: AUDIENCE, jwksUri, jwksBase: new URL(jwksUri).origin };
    const bearer = (token: string) => `Bearer ${token}`;
    const single = [bearer(await issuer.mint(AUDIENCE))];
    const many = (await issuer.mintMany(AUDIENCE, 10_000)).map(bearer);
    const loadBefore = loadAverage();
    const results: FrameworkResult[] = [];
    for (const framework of FRAMEWORKS)
      results.push({ ...(await measure(framework, config, single, many)), allocated: allocated[framework] });
    return { load: `${loadBefore} before, ${loadAverage()} after`, results };
  } finally {
    issuer.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { allocatedTable, inProcessTable, promisesTable } = await import('./report.js');
  const run = await runInProcess();
  process.stdout.write(
    `${inProcessTable(run.results)}\n\nPromises per request:\n\n${promisesTable(run.results)}\n\nBytes allocated per request:\n\n${allocatedTable(run.results)}\n\nload average: ${run.load}\n`,
  );
  if (args.json) writeFileSync(args.json, JSON.stringify(run, null, 2));
}
