/** Turns a token recipe into a token, with the test's real keys. */
import { createHmac } from 'node:crypto';
import { handcrafted, ISSUER, mint, type TestKeys } from '../blackbox/support/keys.js';
import type { TokenRecipe } from './corpus.js';

const now = () => Math.floor(Date.now() / 1000);

function payloadFor(audience: string, claims: Record<string, unknown> = {}): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    iss: ISSUER,
    aud: audience,
    sub: 'user-1',
    client_id: 'client-1',
    iat: now(),
    exp: now() + 300,
    jti: crypto.randomUUID(),
    ...claims,
  };
  for (const key of Object.keys(payload)) if (payload[key] === undefined) delete payload[key];
  return payload;
}

/** RS256 over hand-written parts: jose will not produce what an attacker would. */
async function signRaw(keys: TestKeys, header: Record<string, unknown>, payload: string, encodePayload = true) {
  const encode = (text: string) => Buffer.from(text).toString('base64url');
  const input = `${encode(JSON.stringify({ alg: 'RS256', typ: 'at+jwt', kid: 'rsa-1', ...header }))}.${encodePayload ? encode(payload) : payload}`;
  const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', keys.rsaPrivate, new TextEncoder().encode(input));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

export async function makeToken(keys: TestKeys, audience: string, recipe: TokenRecipe): Promise<string> {
  const header = { alg: 'RS256', typ: 'at+jwt', kid: 'rsa-1', ...recipe.header };
  const payload = payloadFor(audience, recipe.claims);
  switch (recipe.mangle) {
    case 'drop-signature':
      return handcrafted(header, payload, '');
    case 'swap-signature': {
      const [a, b] = [
        await mint(keys, audience, { claims: recipe.claims }),
        await mint(keys, audience, { claims: { scope: 'x' } }),
      ];
      return `${a.split('.').slice(0, 2).join('.')}.${b.split('.')[2]}`;
    }
    case 'nested':
      return signRaw(keys, { cty: 'JWT' }, await mint(keys, audience, { claims: recipe.claims }));
    case 'b64-false':
      return signRaw(keys, { b64: false, crit: ['b64'] }, JSON.stringify(payload), false);
    case 'duplicate-claim': {
      const json = JSON.stringify(payload);
      return signRaw(keys, {}, `${json.slice(0, -1)},"exp":"${now() + 300}"}`);
    }
  }
  if (recipe.header?.crit !== undefined) return signRaw(keys, header, JSON.stringify(payload));
  if (recipe.key === 'hmac-public-pem' || recipe.key === 'hmac-public-jwk') {
    const secret = recipe.key === 'hmac-public-pem' ? keys.rsaPublicPem : JSON.stringify(keys.jwks.keys[0]);
    const unsigned = handcrafted({ ...header, alg: 'HS256' }, payload).slice(0, -1);
    return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
  }
  if (recipe.key === 'ec') {
    return mint(keys, audience, {
      claims: recipe.claims,
      header: { ...recipe.header, alg: 'ES256', kid: 'ec-1' },
      key: keys.ecPrivate,
    });
  }
  const key = recipe.key === 'stranger' ? keys.strangerPrivate : keys.rsaPrivate;
  return mint(keys, audience, { claims: recipe.claims, header: recipe.header as never, key });
}
