// Where each runtime's binary is: the npm package that carries it for linux-x64 (pinned in ../package.json, no
// postinstall download), or BUN_BINARY / DENO_BINARY / WORKERD_BINARY elsewhere. Plain JavaScript, so that
// scripts/matrix.mjs can record versions (and fail loudly on a missing binary) before any suite runs.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const RUNTIMES = ['bun', 'deno', 'workerd'];

const require = createRequire(new URL('../package.json', import.meta.url));

const BINARIES = {
  bun: { pkg: '@oven/bun-linux-x64', file: 'bin/bun', override: 'BUN_BINARY' },
  deno: { pkg: '@deno/linux-x64-glibc', file: 'deno', override: 'DENO_BINARY' },
  workerd: { pkg: '@cloudflare/workerd-linux-64', file: 'bin/workerd', override: 'WORKERD_BINARY' },
};

/** The binary's path. On linux-x64 a missing package is an error, never a skip. */
export function binary(name) {
  const entry = BINARIES[name];
  if (entry === undefined) throw new Error(`unknown runtime ${JSON.stringify(name)} (one of ${RUNTIMES.join(', ')})`);
  const { pkg, file, override } = entry;
  const given = process.env[override];
  if (given !== undefined && given !== '') return given;
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(`${name}: only the linux-x64 binary is pinned; set ${override} to a ${name} binary`);
  let manifest;
  try {
    manifest = require.resolve(`${pkg}/package.json`);
  } catch {
    throw new Error(`${name}: ${pkg} is not installed (pnpm install; an optional dependency of test/runtimes)`);
  }
  return join(dirname(manifest), file);
}

/** `bun 1.4.5`, `deno 2.9.6`, `workerd 2026-11-17`: what the reports record. */
export function version(name) {
  const out = execFileSync(binary(name), ['--version'], { encoding: 'utf8', timeout: 30_000 });
  const first = out.trim().split('\n')[0] ?? '';
  return name === 'bun' ? `bun ${first}` : first;
}
