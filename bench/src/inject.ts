/**
 * Requests injected into one app's handler, no sockets: light-my-request for Express and Koa
 * (Node request listeners), Fastify's inject(), Hono's app.request(); and what one batch of them
 * costs, as CPU time, promises and allocated bytes per request.
 */
import { createHook } from 'node:async_hooks';
import type { RequestListener } from 'node:http';
import { PerformanceObserver } from 'node:perf_hooks';
import inject from 'light-my-request';
import { type AppConfig, expressApp, koaApp, type Variant } from './apps.js';
import { fastifyApp, honoApp } from './frameworks.js';

/** One request through the app's handler; resolves to the status code. */
export type Send = (authorization: string) => Promise<number>;

const nodeSend =
  (listener: RequestListener): Send =>
  async (authorization) =>
    (await inject(listener, { method: 'GET', url: '/invoices', headers: { authorization } })).statusCode;

/** The app of `framework` with `variant` in front of GET /invoices, or undefined when unavailable. */
export async function sender(framework: string, variant: Variant, config: AppConfig): Promise<Send | undefined> {
  switch (framework) {
    case 'express':
      return nodeSend(expressApp(variant, config));
    case 'koa':
      return nodeSend(koaApp(variant, config).callback());
    case 'fastify': {
      const app = await fastifyApp(variant, config);
      if (app === undefined) return undefined;
      return async (authorization) =>
        (await app.inject({ method: 'GET', url: '/invoices', headers: { authorization } })).statusCode;
    }
    case 'hono': {
      const app = await honoApp(variant, config);
      if (app === undefined) return undefined;
      return async (authorization) => (await app.request('/invoices', { headers: { authorization } })).status;
    }
  }
  throw new Error(`unknown framework ${framework}`);
}

async function run(send: Send, tokens: readonly string[], count: number, start: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const status = await send(tokens[(start + i) % tokens.length] as string);
    if (status !== 200) throw new Error(`answered ${status}, not 200: the benchmark would measure a refusal`);
    // A chain of awaited injections never leaves the microtask queue, so the responses' setImmediate
    // writes would pile up (and their requests with them) until the batch ends: let them run.
    if ((i & 15) === 15) await new Promise(setImmediate);
  }
}

/**
 * CPU µs (user + system, this process) per request over `count` sequential requests, cycling
 * through `tokens` from `start`. CPU time, not wall time: on a shared machine the wall clock
 * also counts the time other processes held the core.
 */
export async function batch(send: Send, tokens: readonly string[], count: number, start = 0): Promise<number> {
  const began = process.cpuUsage();
  await run(send, tokens, count, start);
  const { user, system } = process.cpuUsage(began);
  return (user + system) / count;
}

/**
 * Promises created per request (async_hooks), the driver's included: unlike time, a count that
 * load on the machine cannot blur, so a change of shape shows even when its time is in the noise.
 */
export async function promisesPerRequest(send: Send, token: string): Promise<number> {
  let promises = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROMISE') promises++;
    },
  });
  hook.enable();
  try {
    for (let i = 0; i < 200; i++) await send(token);
  } finally {
    hook.disable();
  }
  return promises / 200;
}

const gc = () => (globalThis as { gc?: () => void }).gc?.();
const settle = () => new Promise((resolve) => setTimeout(resolve, 1));

/**
 * Bytes allocated on the JS heap per request, the driver's included: the heap's growth over
 * `requests` requests between two full collections, in a batch during which no collection ran
 * (a batch during which one did is repeated); the median of `samples` such batches. Run it in a
 * process whose young generation holds a whole batch (allocation.ts: --max-semi-space-size), and
 * with --expose-gc; undefined without it. Deterministic where time is not: what garbage
 * collection will have to pay for, which CPU figures over a few milliseconds only sample.
 */
export async function allocatedPerRequest(
  send: Send,
  token: string,
  { requests = 1000, samples: wanted = 9 } = {},
): Promise<number | undefined> {
  if ((globalThis as { gc?: unknown }).gc === undefined) return undefined;
  let collections = 0;
  const observer = new PerformanceObserver((list) => {
    collections += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  const samples: number[] = [];
  try {
    for (let attempt = 0; samples.length < wanted && attempt < 4 * wanted; attempt++) {
      gc();
      gc();
      await settle(); // the observer hears of those two collections before the batch starts
      const seen = collections;
      const before = process.memoryUsage().heapUsed;
      await run(send, [token], requests, 0);
      const after = process.memoryUsage().heapUsed;
      await settle();
      if (collections === seen) samples.push((after - before) / requests);
    }
  } finally {
    observer.disconnect();
  }
  samples.sort((a, b) => a - b);
  return samples.length === 0 ? undefined : samples[samples.length >> 1];
}
