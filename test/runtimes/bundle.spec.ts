/**
 * What each runtime's bundle is made of: the core's published build, jose's Web API build (its
 * only build), and lru-cache's build for that runtime; on workerd, no `node:` module at all.
 */
import { describe, expect, it } from 'vitest';
import { bundled } from './support/fixture.js';
import { bundleManifest } from './support/runtimes.js';
import { SELECTED } from './support/select.js';

describe.each(SELECTED)('%s bundle', (runtime) => {
  it('is built from the core’s and the Hono adapter’s dist, jose’s webapi build and the runtime’s lru-cache build', async () => {
    await bundled(runtime);
    const { inputs, imports } = bundleManifest(runtime);
    expect(inputs.some((file) => /packages\/core\/dist\/index\.js$/.test(file))).toBe(true);
    expect(inputs.some((file) => /packages\/hono\/dist\/index\.js$/.test(file))).toBe(true);
    expect(inputs.some((file) => /jose\/dist\/webapi\//.test(file))).toBe(true);
    const lru = inputs.filter((file) => /lru-cache\/dist\//.test(file));
    expect(lru.length).toBeGreaterThan(0);
    if (runtime === 'workerd') {
      expect(lru.every((file) => /lru-cache\/dist\/esm\/browser\//.test(file))).toBe(true);
      expect(imports).toEqual([]);
    } else {
      expect(lru.every((file) => /lru-cache\/dist\/esm\/node\//.test(file))).toBe(true);
      // The only Node built-in: lru-cache's optional diagnostics channel, which Bun and Deno provide.
      expect([...new Set(imports)]).toEqual(['node:diagnostics_channel']);
    }
  });
});
