import { generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { nodeSignatureCheck, syncAccessTokenHash } from './node-crypto.js';

describe('node-crypto: the Node fast path for proofs', () => {
  it('hashes an access token as RFC 9449 §4.2 ath (SHA-256, base64url)', () => {
    expect(syncAccessTokenHash('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });

  it('offers no check for an algorithm it does not know, or for what is not a key', async () => {
    const { publicKey } = await generateKeyPair('ES256');
    expect(nodeSignatureCheck('HS256', publicKey)).toBeUndefined();
    expect(nodeSignatureCheck('none', publicKey)).toBeUndefined();
    expect(nodeSignatureCheck('ES256', 'not a key')).toBeUndefined();
  });

  it.each(['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA'])(
    '%s: accepts the signature, refuses another input, a flipped bit or a wrong length, never throws',
    async (alg) => {
      const { publicKey, privateKey } = await generateKeyPair(alg);
      const check = nodeSignatureCheck(alg, publicKey);
      expect(check).toBeDefined();
      const { SignJWT } = await import('jose');
      const jws = await new SignJWT({ a: 1 }).setProtectedHeader({ alg }).sign(privateKey);
      const [h, p, s] = jws.split('.') as [string, string, string];
      const input = new TextEncoder().encode(`${h}.${p}`);
      const signature = new Uint8Array(Buffer.from(s, 'base64url'));
      expect(await check?.(input, signature)).toBe(true);
      expect(await check?.(new TextEncoder().encode(`${h}.${p}x`), signature)).toBe(false);
      const flipped = signature.slice();
      flipped[5] = (flipped[5] as number) ^ 1;
      expect(await check?.(input, flipped)).toBe(false);
      expect(await check?.(input, signature.slice(1))).toBe(false);
      expect(await check?.(input, new Uint8Array(0))).toBe(false);
    },
  );
});
