/**
 * Request syntax (RFC 6750 §2): 401 without an error when there are no Bearer credentials,
 * 400 invalid_request for malformed ones, for tokens outside the header, and for more than one.
 */
import type { RefusalCode } from '@actiongate/core';
import { describe, expect, it } from 'vitest';
import { expectRefusal, refusal } from './support/challenge.js';
import { EXAMPLES } from './support/example.js';
import { useExample } from './support/fixture.js';
import { bearer, send } from './support/http.js';

const FORM: [string, string] = ['content-type', 'application/x-www-form-urlencoded'];
const JSON_BODY: [string, string] = ['content-type', 'application/json'];

describe.each(EXAMPLES)('%s: request syntax', (name) => {
  const fx = useExample(name);

  it('GET /health answers without a token', async () => {
    const reply = await send(fx.url, '/health');
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ status: 'ok' });
  });

  it.each([
    ['no Authorization header', []],
    ['another scheme (Basic)', [['authorization', 'Basic dXNlcjpwYXNz']]],
    ['another scheme alone', [['authorization', 'Negotiate']]],
  ] as [string, [string, string][]][])('%s: 401 with no error', async (_, headers) => {
    for (const path of ['/invoices', '/invoices/inv_1001', '/invoices/inv_9999']) {
      expectRefusal(await send(fx.url, path, { headers }), fx.url, refusal('token_missing'));
    }
    const post = await send(fx.url, '/invoices/export', { method: 'POST', headers });
    expectRefusal(post, fx.url, refusal('token_missing'));
  });

  it.each([
    ['Bearer'],
    ['bearer'],
    ['Bearer '],
    ['Bearer a b'],
    ['Bearer a,b'],
    ['Bearer tok"en'],
    ['Bearer tok\\en'],
    ['Bearer a;b'],
    ['Bearer\tabc'],
    ['Bearer \tabc'],
    ['Bearer =abc'],
    ['Bearer abc, Bearer def'],
    ['Bearer tökén'],
    [''],
  ])('Authorization %j: 400 invalid_request', async (value) => {
    const reply = await send(fx.url, '/invoices', { headers: [['authorization', value]] });
    expectRefusal(reply, fx.url, refusal('authorization_malformed'));
  });

  it('a malformed header on a route needing more scopes is still 400, with no scope', async () => {
    const reply = await send(fx.url, '/invoices/inv_1001', {
      method: 'DELETE',
      headers: [['authorization', 'Bearer']],
    });
    expectRefusal(reply, fx.url, refusal('authorization_malformed'));
  });

  it.each([
    ['a real token', async () => fx.withScope('invoices:read')],
    ['x', async () => 'x'],
  ])('a token in the query (%s) is refused, with or without a header', async (_, make) => {
    const query = await make();
    for (const headers of [[], bearer(await fx.withScope('invoices:read'))]) {
      const reply = await send(fx.url, `/invoices?access_token=${query}`, { headers });
      expectRefusal(reply, fx.url, refusal('token_in_query'));
    }
  });

  it.each([
    ['empty', '/invoices?access_token='],
    ['without a value', '/invoices?access_token'],
    ['percent-encoded', '/invoices?access%5Ftoken=abc'],
    ['after a trailing slash', '/invoices/?access_token=abc'],
    ['repeated', '/invoices?access_token=a&access_token=b'],
    ['beside other parameters', '/invoices?page=2&access_token=abc'],
    ['on an invoice', '/invoices/inv_1001?access_token=abc'],
  ])('a query access_token, %s: 400', async (_, path) => {
    expectRefusal(await send(fx.url, path), fx.url, refusal('token_in_query'));
  });

  it('a token in a form body is refused, with or without a header', async () => {
    const token = await fx.withScope('invoices:export');
    for (const auth of [[], bearer(token)]) {
      const reply = await send(fx.url, '/invoices/export', {
        method: 'POST',
        headers: [FORM, ...auth],
        body: `access_token=${token}`,
      });
      expectRefusal(reply, fx.url, refusal('token_in_body'));
    }
  });

  it('a token in a JSON body is refused too', async () => {
    const token = await fx.withScope('invoices:export');
    const reply = await send(fx.url, '/invoices/export', {
      method: 'POST',
      headers: [JSON_BODY],
      body: JSON.stringify({ access_token: token }),
    });
    expectRefusal(reply, fx.url, refusal('token_in_body'));
  });

  it.each([
    ['DELETE', '/invoices/inv_1008', FORM, 'access_token={token}'],
    ['DELETE', '/invoices/inv_1008', JSON_BODY, '{"access_token":"{token}"}'],
    ['GET', '/invoices', FORM, 'access_token={token}'],
    ['GET', '/invoices/inv_1008', JSON_BODY, '{"access_token":"{token}"}'],
  ] as [string, string, [string, string], string][])(
    'a token in the body of %s %s (%j) is refused, with or without a header',
    async (method, path, type, template) => {
      const token = await fx.withScope('invoices:read invoices:write invoices:delete');
      for (const auth of [[], bearer(token)]) {
        const reply = await send(fx.url, path, {
          method,
          headers: [type, ...auth],
          body: template.replace('{token}', token),
        });
        expectRefusal(reply, fx.url, refusal('token_in_body'));
      }
      const read = bearer(await fx.withScope('invoices:read'));
      expect((await send(fx.url, '/invoices/inv_1008', { headers: read })).status).toBe(200);
    },
  );

  it.each([
    ['two Bearer tokens', ['Bearer {token}', 'Bearer {token}']],
    ['Basic and Bearer', ['Basic dXNlcjpwYXNz', 'Bearer {token}']],
    ['two empty fields', ['', '']],
  ])('two Authorization headers (%s): 400', async (_, values) => {
    const token = await fx.withScope('invoices:read');
    const headers = values.map((value): [string, string] => ['authorization', value.replace('{token}', token)]);
    expectRefusal(await send(fx.url, '/invoices', { headers }), fx.url, refusal('authorization_repeated'));
  });

  it('the same refusal yields the same header, byte for byte, on every route', async () => {
    const headers: [string, string][] = [['authorization', 'Bearer a b']];
    const replies = await Promise.all([
      send(fx.url, '/invoices', { headers }),
      send(fx.url, '/invoices/inv_1001', { headers }),
      send(fx.url, '/invoices/inv_1001', { method: 'DELETE', headers }),
      send(fx.url, '/invoices/inv_1001/refund', { method: 'POST', headers }),
      send(fx.url, '/invoices/export', { method: 'POST', headers }),
    ]);
    for (const reply of replies) expectRefusal(reply, fx.url, refusal('authorization_malformed'));
  });

  it.each([
    ['a bad token and a query token', '/invoices?access_token=x', bearer('not-a-jwt'), 'token_in_query'],
    [
      'a malformed header and a query token',
      '/invoices?access_token=x',
      [['authorization', 'Bearer a b']],
      'token_in_query',
    ],
    [
      'two headers and a query token',
      '/invoices?access_token=x',
      [...bearer('a'), ...bearer('b')],
      'authorization_repeated',
    ],
  ] as [string, string, [string, string][], RefusalCode][])(
    'request syntax is checked first: %s is 400',
    async (_, path, headers, code) => {
      expectRefusal(await send(fx.url, path, { headers }), fx.url, refusal(code));
    },
  );

  it('a body that does not parse still gets the guard’s answer first', async () => {
    const reply = await send(fx.url, '/invoices/export', { method: 'POST', headers: [JSON_BODY], body: '{not json' });
    expectRefusal(reply, fx.url, refusal('token_missing'));
  });
});
