import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources of the workspace packages, so no build is needed
// first; the build itself is checked separately by publint and attw.
const packages = fileURLToPath(new URL('./packages/', import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@actiongate\/(core|express|koa|redis|client|mcp|fastify|hono)$/,
        replacement: `${packages}$1/src/index.ts`,
      },
    ],
  },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'test/**/*.test.ts',
      'examples/authorization-server/src/**/*.test.ts',
    ],
    // The server examples, compiled once for the suites that start them (test/blackbox/support/example.ts).
    globalSetup: ['test/support/examples-bundle.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // At least two files at a time. vitest's default (cores - 1) is one on a 2-core machine, and most suites spend
    // their time waiting on the processes, sockets and clocks they drive, not computing: one worker left a core idle.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
