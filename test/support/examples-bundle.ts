/**
 * vitest globalSetup: compiles the server examples once per run, so that each example process the
 * suites start (about 200 of them) is plain `node` on JavaScript instead of `node --import tsx`,
 * which loads esbuild and runs every TypeScript module through a loader on each start.
 *
 * What runs is the same: the examples' and the workspace packages' TypeScript sources (resolved
 * with the `@actiongate/source` condition, as `pnpm start` does), compiled by esbuild, the compiler
 * tsx uses. Third-party packages are not bundled: each import names the file Node itself would load
 * (same conditions, `main` only), so Express, Koa, oidc-provider, node-redis… run from
 * node_modules exactly as under tsx. `import()` stays lazy (code splitting), so an example that is
 * given an issuer never loads oidc-provider, as under tsx.
 *
 * `ACTIONGATE_EXAMPLES=tsx` skips this and starts every example through tsx (see example.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The directory holding `<example>/server.mjs` for each server example, or '' to run them through tsx. */
    examplesBundle: string;
  }
}

/** Every example the suites start as a server (example.ts `ExampleName`). */
export const SERVER_EXAMPLES = [
  'express-invoices',
  'koa-invoices',
  'fastify-invoices',
  'hono-invoices',
  'mcp-invoices',
] as const;

const root = fileURLToPath(new URL('../../', import.meta.url));
const builtins = new Set(builtinModules);
const workspace = /^@actiongate(-examples)?\//;

/** Leaves Node's built-ins and third-party packages to Node, each by the absolute path of the file it resolves to. */
const thirdPartyExternal: Plugin = {
  name: 'third-party-external',
  setup(bundle) {
    bundle.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('node:') || builtins.has(args.path)) return { external: true };
      if (workspace.test(args.path) || args.pluginData === 'resolving') return undefined;
      const resolved = await bundle.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolving',
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      return { path: resolved.path, external: true };
    });
  },
};

async function compile(outdir: string): Promise<void> {
  await build({
    entryPoints: SERVER_EXAMPLES.map((name) => ({ in: join(root, 'examples', name, 'src', 'server.ts'), out: name })),
    outdir,
    outExtension: { '.js': '.mjs' },
    entryNames: '[name]/server',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    // As Node resolves with --conditions=@actiongate/source: exports conditions, then `main` (never `module`).
    conditions: ['@actiongate/source'],
    mainFields: ['main'],
    plugins: [thirdPartyExternal],
    logLevel: 'error',
  });
}

export default async function setup(project: TestProject): Promise<() => void> {
  if (process.env.ACTIONGATE_EXAMPLES === 'tsx') {
    project.provide('examplesBundle', '');
    return () => {};
  }
  const outdir = mkdtempSync(join(tmpdir(), 'actiongate-examples-'));
  await compile(outdir);
  project.provide('examplesBundle', outdir);
  // In watch mode, a rerun sees the sources as they are now.
  project.onTestsRerun(async () => {
    await compile(outdir);
  });
  return () => rmSync(outdir, { recursive: true, force: true });
}
