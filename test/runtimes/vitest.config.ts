import { defineConfig } from 'vitest/config';

// The conformance suite drives Bun, Deno and workerd from Node: RUNTIME=bun|deno|workerd (default all).
// Not part of the root vitest run (its files end in .spec.ts); scripts/matrix.mjs runs it once per runtime.
export default defineConfig({
  test: {
    include: ['*.spec.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
