import * as oauth from 'oauth4webapi';
import { expect, it } from 'vitest';
import { ConfigurationError } from '../step-up/errors.js';
import { parseDpopOption } from './key.js';

it('no option, no key', () => {
  expect(parseDpopOption(undefined)).toBeUndefined();
});

it('true: one generated key for the life of the fetch, the same thumbprint on every use', async () => {
  const key = parseDpopOption(true);
  const [first, second] = await Promise.all([key?.handle(), key?.handle()]);
  expect(first).toBe(second);
  const again = await key?.handle();
  expect(await again?.calculateThumbprint()).toBe(await first?.calculateThumbprint());
  // Another fetch, another key.
  expect(await (await parseDpopOption(true)?.handle())?.calculateThumbprint()).not.toBe(
    await first?.calculateThumbprint(),
  );
});

it('{ keyPair }: proofs by that key', async () => {
  const keyPair = await oauth.generateKeyPair('ES256');
  const handle = await parseDpopOption({ keyPair })?.handle();
  expect(await handle?.calculateThumbprint()).toBe(await oauth.DPoP({}, keyPair).calculateThumbprint());
});

it('anything else fails at creation, naming the option', () => {
  for (const value of ['yes', 1, null, { keyPair: null }, { key: {} }]) {
    expect(() => parseDpopOption(value)).toThrow(ConfigurationError);
  }
});
