/**
 * The in-process profile's child: FRAMEWORK's app with VARIANT in front, COUNT requests injected
 * (no sockets), one token reused, profiled through the inspector after a warm-up (profile.ts --inprocess).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import type { Variant } from './apps.js';
import { batch, sender } from './inject.js';

const {
  FRAMEWORK = 'express',
  VARIANT = 'actiongate',
  COUNT = '200000',
  TOKEN = '',
  ISSUER = '',
  JWKS_URI = '',
  PROFILE_DIR = '.',
} = process.env;
const config = {
  issuer: ISSUER,
  audience: 'https://invoices.bench',
  jwksUri: JWKS_URI,
  jwksBase: new URL(JWKS_URI).origin,
};
const authorization = `Bearer ${TOKEN}`;
const variant = VARIANT as Variant;

const driver = await sender(FRAMEWORK, variant, config);
if (driver === undefined) throw new Error(`@actiongate/${FRAMEWORK} is not available`);
const send = driver;
const run = (count: number) => batch(send, [authorization], count);

// Warm up unprofiled (module loading, JIT, the key set), then profile the steady state only.
await run(5000);
const session = new Session();
session.connect();
const post = (method: string, params?: object) =>
  new Promise<unknown>((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );
await post('Profiler.enable');
await post('Profiler.setSamplingInterval', { interval: 100 });
await post('Profiler.start');
await run(Number(COUNT));
const { profile } = (await post('Profiler.stop')) as { profile: unknown };
writeFileSync(join(PROFILE_DIR, 'inject.cpuprofile'), JSON.stringify(profile));
session.disconnect();
