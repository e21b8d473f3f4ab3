/**
 * The attack corpus against both examples as real servers: every case gets its status and
 * its exact challenge, never a 5xx and never an allow it should not get.
 */
import { describe, expect, it } from 'vitest';
import { challenge, challengeFor } from '../blackbox/support/challenge.js';
import { EXAMPLES } from '../blackbox/support/example.js';
import { useExample } from '../blackbox/support/fixture.js';
import { send } from '../blackbox/support/http.js';
import { type AttackCase, corpus, refundCorpus } from './corpus.js';
import { makeToken } from './tokens.js';

const cases = [...corpus, ...refundCorpus];

describe.each(EXAMPLES)('%s: the attack corpus', (name) => {
  const fx = useExample(name);

  it('has at least 80 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, attack: AttackCase) => {
    const token = attack.token === undefined ? '' : await makeToken(fx.keys, fx.url, attack.token);
    const fill = (value: string) => value.replaceAll('{token}', token);
    const authorization = attack.authorization ?? (attack.token === undefined ? [] : ['Bearer {token}']);
    const headers: [string, string][] = authorization.map((value) => ['authorization', fill(value)]);
    if (attack.form !== undefined) headers.push(['content-type', 'application/x-www-form-urlencoded']);
    const path = `${attack.path ?? '/invoices'}${attack.query === undefined ? '' : `?${fill(attack.query)}`}`;
    const method = attack.method ?? (attack.form === undefined ? 'GET' : 'POST');
    const reply = await send(fx.url, path, {
      method,
      headers,
      ...(attack.form === undefined ? {} : { body: fill(attack.form) }),
    });

    expect(reply.status).toBe(attack.status);
    if (attack.challenge === null) expect(reply.challenge).toBeUndefined();
    else if (attack.challenge === 'token_missing') expect(reply.challenge).toBe(challenge(fx.url));
    else if (attack.challenge === 'user_authentication_required') {
      expect(reply.challenge).toBe(
        challenge(fx.url, {
          error: 'insufficient_user_authentication',
          acrValues: 'urn:actiongate:mfa',
          maxAge: '600',
          description: 'This action requires a stronger or more recent user authentication',
        }),
      );
    } else expect(reply.challenge).toBe(challengeFor(fx.url, attack.challenge, attack.scope));
  });
});
