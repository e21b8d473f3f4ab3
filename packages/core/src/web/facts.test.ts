import { beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import { REFUSALS, type RefusalCode } from '../challenge/codes.js';
import { ConfigurationError } from '../errors.js';
import type { Gate } from '../gate/index.js';
import { RequestBodyError } from './body.js';
import { decideRequest } from './decide.js';
import { webRequestFacts, webRequestFactsNow } from './facts.js';

const actions = defineActions({ read: { scopes: ['invoices:read'] } });
let issuer: TestIssuer;
let gate: Gate<'read'>;
let token: string;
beforeAll(async () => {
  issuer = await createTestIssuer();
  gate = testGate(issuer, actions);
  token = await issuer.mint({ scope: 'invoices:read' });
});

const FORM = 'application/x-www-form-urlencoded';

function request(
  path: string,
  init: { method?: string; headers?: [string, string][]; body?: RequestInit['body'] } = {},
): Request {
  const headers = new Headers();
  for (const [name, value] of init.headers ?? []) headers.append(name, value);
  return new Request(`https://api.test${path}`, { method: init.method ?? 'GET', headers, body: init.body });
}

/** The refusal code a Web request gets, through the whole gate; `allow` when it is let through. */
async function outcome(req: Request): Promise<RefusalCode | 'allow' | number> {
  const decision = await decideRequest(gate, 'read', req);
  if (decision.allow) return 'allow';
  const body = (await decision.response.json()) as { error_description: string };
  const code = (Object.keys(REFUSALS) as RefusalCode[]).find(
    (name) =>
      REFUSALS[name].description === body.error_description && REFUSALS[name].status === decision.response.status,
  );
  return code ?? decision.response.status;
}

const bearer = (): [string, string] => ['authorization', `Bearer ${token}`];

describe('webRequestFacts: hostile requests first', () => {
  it.each([
    ['two Bearer fields', () => [bearer(), bearer()]],
    ['Basic then Bearer', () => [['authorization', 'Basic dXNlcjpwYXNz'], bearer()]],
    ['Bearer then an empty field', () => [bearer(), ['authorization', '']]],
    [
      'two empty fields',
      () => [
        ['authorization', ''],
        ['authorization', ''],
      ],
    ],
  ] as [string, () => [string, string][]][])(
    'a repeated Authorization (%s) joined by Headers is 400, never an allow',
    async (_, headers) => {
      expect(await outcome(request('/invoices', { headers: headers() }))).toBe('authorization_repeated');
    },
  );

  it('one field with the joined text (no real repeat) is refused as well', async () => {
    expect(
      await outcome(request('/invoices', { headers: [['authorization', `Bearer ${token}, Bearer ${token}`]] })),
    ).toBe('authorization_repeated');
  });

  it('with the raw header list, one field holding ", " is malformed and two fields are a repeat, as on Node', async () => {
    const one = request('/invoices', { headers: [['authorization', `Bearer ${token}, Bearer ${token}`]] });
    const facts = await webRequestFacts(one, { rawHeaders: ['Authorization', `Bearer ${token}, Bearer ${token}`] });
    expect(facts.authorization).toBe(`Bearer ${token}, Bearer ${token}`);
    const decision = await gate.decide('read', facts);
    expect(decision.allow === false && decision.code).toBe('authorization_malformed');
    const rawTwo = ['authorization', `Bearer ${token}`, 'Authorization', `Bearer ${token}`, 'DPoP', 'a', 'dpop', 'b'];
    expect(await webRequestFacts(one, { rawHeaders: rawTwo })).toMatchObject({
      authorization: [`Bearer ${token}`, `Bearer ${token}`],
      dpop: ['a', 'b'],
    });
  });

  it('a repeated DPoP field is seen as a repeat', async () => {
    const facts = await webRequestFacts(
      request('/invoices', {
        headers: [
          ['dpop', 'a.b.c'],
          ['DPoP', 'a.b.c'],
        ],
      }),
    );
    expect(facts.dpop).toEqual(['a.b.c', 'a.b.c']);
  });

  it.each([
    ['twice', '/invoices?access_token=a&access_token=b', 'token_in_query'],
    ['percent-encoded name', '/invoices?access%5Ftoken=a', 'token_in_query'],
    ['empty', '/invoices?access_token=', 'token_in_query'],
    ['with a header too', '/invoices?x=1&access_token=a', 'token_in_query'],
  ])('access_token in the query (%s) is 400', async (_, path, code) => {
    expect(await outcome(request(path, { headers: [bearer()] }))).toBe(code);
  });

  it('access_token twice reaches the facts as both values', async () => {
    const facts = await webRequestFacts(request('/i?access_token=a&access_token=b#access_token=c'));
    expect(facts.queryAccessToken).toEqual(['a', 'b']);
    expect(facts.path).toBe('/i');
  });

  it('a form body over maxBodyBytes rejects with 413 before the gate decides', async () => {
    const req = request('/invoices', {
      method: 'POST',
      headers: [bearer(), ['content-type', FORM]],
      body: `a=${'x'.repeat(200)}`,
    });
    await expect(webRequestFacts(req, { maxBodyBytes: 100 })).rejects.toBeInstanceOf(RequestBodyError);
    const decision = await decideRequest(gate, 'read', req, { maxBodyBytes: 100 });
    expect(decision.allow).toBe(false);
    if (decision.allow) return;
    expect(decision.response.status).toBe(413);
    expect(decision.response.headers.get('cache-control')).toBe('no-store');
    expect(await decision.response.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The request body is too large',
    });
  });

  it('a form body read before the guard is a 500, never an allow', async () => {
    const req = request('/invoices', {
      method: 'POST',
      headers: [bearer(), ['content-type', FORM]],
      body: 'access_token=abc',
    });
    await req.text();
    expect(await outcome(req)).toBe(500);
  });

  it('a form body with access_token is refused, with or without a header', async () => {
    for (const headers of [[], [bearer()]] as [string, string][][]) {
      const req = request('/invoices', {
        method: 'POST',
        headers: [...headers, ['content-type', 'Application/X-WWW-Form-Urlencoded; charset=utf-8']],
        body: `access_token=${token}`,
      });
      expect(await outcome(req)).toBe('token_in_body');
      // The handler still has the body.
      expect(await req.text()).toBe(`access_token=${token}`);
    }
  });

  it('a JSON body with access_token is refused; one that does not parse is left out', async () => {
    const json = (body: string) =>
      request('/invoices', { method: 'POST', headers: [bearer(), ['content-type', 'application/json']], body });
    expect(await outcome(json(JSON.stringify({ access_token: token })))).toBe('token_in_body');
    expect(await outcome(json('{not json'))).toBe('allow');
    expect((await webRequestFacts(json('{"a":[1]}'))).body).toEqual({ a: [1] });
  });

  it('a body that is not what its type claims: bytes that are not UTF-8 still show the access_token', async () => {
    const bytes = new Uint8Array([0xff, 0xfe, ...new TextEncoder().encode(`&access_token=${token}`)]);
    const req = request('/invoices', { method: 'POST', headers: [bearer(), ['content-type', FORM]], body: bytes });
    expect(await outcome(req)).toBe('token_in_body');
  });

  it('a body of another type is not read (as Express and Koa do not parse it)', async () => {
    const req = request('/invoices', {
      method: 'POST',
      headers: [bearer(), ['content-type', 'text/plain']],
      body: `access_token=${token}`,
    });
    const facts = await webRequestFacts(req);
    expect(facts.body).toBeUndefined();
    expect(facts.bodyAccessToken).toBeUndefined();
    expect(await outcome(req)).toBe('allow');
  });

  it('a GET declaring a form body the runtime dropped counts as a body token (RFC 6750 §2.2)', async () => {
    const req = request('/invoices', {
      headers: [bearer(), ['content-type', FORM], ['content-length', '20']],
    });
    expect(req.body).toBeNull();
    expect(await outcome(req)).toBe('token_in_body');
    const chunked = request('/invoices', {
      method: 'HEAD',
      headers: [bearer(), ['content-type', 'application/json'], ['transfer-encoding', 'chunked']],
    });
    expect(await outcome(chunked)).toBe('token_in_body');
    const empty = request('/invoices', { headers: [bearer(), ['content-type', FORM], ['content-length', '0']] });
    expect(await outcome(empty)).toBe('allow');
  });

  it('maxBodyBytes must be a positive integer', async () => {
    for (const maxBodyBytes of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(webRequestFacts(request('/'), { maxBodyBytes })).rejects.toBeInstanceOf(ConfigurationError);
    }
  });
});

describe('webRequestFacts: the facts', () => {
  it('method, path, authorization, params; no body read without one', async () => {
    const facts = await webRequestFacts(request('/invoices/inv_1?x=1', { headers: [bearer()] }), {
      params: { id: 'inv_1' },
    });
    expect(facts).toEqual({
      method: 'GET',
      path: '/invoices/inv_1',
      authorization: `Bearer ${token}`,
      dpop: undefined,
      queryAccessToken: undefined,
      params: { id: 'inv_1' },
    });
  });

  it('the path is the normalised one the URL parser gives, percent-encoding kept', async () => {
    expect((await webRequestFacts(request('/a/../invoices/%41?b'))).path).toBe('/invoices/%41');
    expect((await webRequestFacts(new Request('https://api.test'))).path).toBe('/');
    expect((await webRequestFacts(new Request('https://api.test?access_token=x'))).queryAccessToken).toBe('x');
  });

  it('`url` replaces request.url (a rewrite or a mount), relative or absolute', async () => {
    const req = request('/mounted/invoices?access_token=a');
    expect(await webRequestFacts(req, { url: '/invoices' })).toMatchObject({
      path: '/invoices',
      queryAccessToken: undefined,
    });
    expect(await webRequestFacts(req, { url: new URL('https://x.test/y?access_token=b') })).toMatchObject({
      path: '/y',
      queryAccessToken: 'b',
    });
  });

  it('an allowed request through decideRequest carries the auth', async () => {
    const decision = await decideRequest(gate, gate.prepare('read'), request('/invoices', { headers: [bearer()] }));
    expect(decision).toMatchObject({ allow: true, auth: { action: 'read', claims: { sub: 'user-1' } } });
  });
});

describe('webRequestFactsNow', () => {
  it('returns the facts as they are when no body has to be read, equal to webRequestFacts()', async () => {
    const request = new Request('https://api.test/invoices?x=1', { headers: { authorization: `Bearer ${token}` } });
    const facts = webRequestFactsNow(request, { params: { id: '7' } });
    expect(facts).not.toBeInstanceOf(Promise);
    expect(facts).toEqual(await webRequestFacts(request, { params: { id: '7' } }));
    expect(facts).toMatchObject({ method: 'GET', path: '/invoices', authorization: `Bearer ${token}` });
  });

  it('waits for a form or JSON body, which may carry a token, and never skips it', async () => {
    const request = new Request('https://api.test/refund', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `access_token=${token}`,
    });
    const facts = webRequestFactsNow(request);
    expect(facts).toBeInstanceOf(Promise);
    expect(await facts).toMatchObject({ bodyAccessToken: token, bodyIsForm: true });
    expect(await request.text()).toBe(`access_token=${token}`); // read from a clone
  });

  it('rejects a body over the limit with RequestBodyError 413, and throws a bad limit synchronously', async () => {
    const big = new Request('https://api.test/refund', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(64) }),
    });
    await expect(webRequestFactsNow(big, { maxBodyBytes: 16 })).rejects.toMatchObject({ status: 413 });
    expect(() => webRequestFactsNow(big, { maxBodyBytes: 0 })).toThrow(ConfigurationError);
  });
});

describe('webRequestFacts with the raw header list', () => {
  const form = (raw: string[]) =>
    webRequestFactsNow(
      new Request('https://api.test/refund', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `access_token=${token}`,
      }),
      { rawHeaders: raw },
    );

  it('reads Content-Type from the raw list, so a form body carrying a token is still seen', async () => {
    const facts = form(['Host', 'api.test', 'Content-Type', 'application/x-www-form-urlencoded; charset=utf-8']);
    expect(facts).toBeInstanceOf(Promise);
    expect(await facts).toMatchObject({ bodyAccessToken: token, bodyIsForm: true });
  });

  it('joins a repeated Content-Type as Headers does: the same unknown media type, the body not taken for a form', async () => {
    const raw = ['content-type', 'application/x-www-form-urlencoded', 'CONTENT-TYPE', 'text/plain'];
    const viaRaw = await form(raw);
    const viaHeaders = await webRequestFacts(
      new Request('https://api.test/refund', {
        method: 'POST',
        headers: [
          ['content-type', 'application/x-www-form-urlencoded'],
          ['content-type', 'text/plain'],
        ],
        body: `access_token=${token}`,
      }),
    );
    expect(viaRaw).toEqual(viaHeaders);
    expect(viaRaw.bodyAccessToken).toBeUndefined();
  });
});
