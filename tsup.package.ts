import { defineConfig } from 'tsup';

/**
 * Every published package builds the same way: ESM + CJS + .d.ts for Node ^20.19.0 || >=22.12.0 (the CJS build
 * require()s ESM-only jose and oauth4webapi, which needs require(esm), unflagged from those versions).
 *
 * Sources ship once: `src/` is in the tarball (it backs the `@actiongate/source` condition), so the source maps
 * point at those files instead of embedding a second copy (`sourcesContent: false`).
 */
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
});
