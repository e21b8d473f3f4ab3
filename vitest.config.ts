import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources (the `@actiongate/source` export condition),
// so no build is needed first; the build is checked separately by publint and attw.
const conditions = ['@actiongate/source', 'import', 'module', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@actiongate/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
