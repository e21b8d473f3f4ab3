/** Which runtimes and handlers a run covers: RUNTIME=bun|deno|workerd (comma-separated; default all). */
import { RUNTIMES, type RuntimeName } from './binaries.mjs';

export const SELECTED: readonly RuntimeName[] = (process.env.RUNTIME ?? RUNTIMES.join(','))
  .split(',')
  .map((name) => name.trim())
  .filter((name): name is RuntimeName => {
    if (!(RUNTIMES as readonly string[]).includes(name)) throw new Error(`RUNTIME: unknown runtime ${name}`);
    return true;
  });

/** The handlers each runtime serves: the core's Web module, and Hono through @actiongate/hono. */
export const APPS = ['web', 'hono'] as const;

export const CASES: readonly (readonly [RuntimeName, (typeof APPS)[number]])[] = SELECTED.flatMap((runtime) =>
  APPS.map((app) => [runtime, app] as const),
);

/** What `navigator.userAgent` says on each runtime: proof that the answer came from it. */
export const USER_AGENT: Readonly<Record<RuntimeName, RegExp>> = {
  bun: /^Bun\//,
  deno: /^Deno\//,
  workerd: /^Cloudflare-Workers$/,
};
