import { describe, expect, it } from 'vitest';
import { bodyKind, parseForm, parseJson, RequestBodyError, readBoundedBody } from './body.js';

const streamOf = (chunks: number[], chunkSize: number, onPull?: () => void): ReadableStream<Uint8Array> => {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      onPull?.();
      if (sent === chunks.length) return controller.close();
      controller.enqueue(new Uint8Array(chunkSize).fill(chunks[sent++] as number));
    },
  });
};

const post = (body: RequestInit['body'], headers: Record<string, string> = {}) =>
  new Request('https://api.test/x', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

describe('readBoundedBody: hostile bodies', () => {
  it('a streamed body without Content-Length is cut at the limit, and the rest is never pulled', async () => {
    let pulls = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        if (pulls > 1000) throw new Error('read far past the limit');
        controller.enqueue(new Uint8Array(1024));
      },
    });
    const request = post(endless);
    expect(request.headers.get('content-length')).toBeNull();
    const error = await readBoundedBody(request, 4096).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestBodyError);
    expect(error).toMatchObject({ code: 'ERR_BODY_TOO_LARGE', status: 413, expose: true });
    expect(pulls).toBeLessThan(20);
  });

  it('a Content-Length that understates the body does not let it through', async () => {
    const request = post('x'.repeat(5000), { 'content-length': '10' });
    await expect(readBoundedBody(request, 4096)).rejects.toMatchObject({ code: 'ERR_BODY_TOO_LARGE' });
  });

  it('a declared length over the limit is refused before reading', async () => {
    let pulls = 0;
    const request = post(
      streamOf([1, 2, 3, 4], 10, () => {
        pulls++;
      }),
      { 'content-length': '999999' },
    );
    await expect(readBoundedBody(request, 4096)).rejects.toMatchObject({ status: 413 });
    // The stream's own start fills its queue once; nothing more is read.
    expect(pulls).toBeLessThanOrEqual(1);
    expect(request.bodyUsed).toBe(false);
  });

  it('a body read before the guard fails closed (500), never decides without it', async () => {
    const request = post('access_token=abc');
    await request.text();
    await expect(readBoundedBody(request, 4096)).rejects.toMatchObject({
      code: 'ERR_BODY_CONSUMED',
      status: 500,
      expose: false,
    });
  });

  it('a stream that fails midway is unreadable (400), with the cause kept out of the message', async () => {
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([97]));
        controller.error(new Error('socket hang up: secret detail'));
      },
    });
    const error = (await readBoundedBody(post(failing), 4096).catch((caught: unknown) => caught)) as RequestBodyError;
    expect(error).toMatchObject({ code: 'ERR_BODY_UNREADABLE', status: 400 });
    expect(error.message).toBe('The request body could not be read');
  });

  it('exactly the limit passes; the original request stays readable', async () => {
    const request = post('a'.repeat(4096));
    expect((await readBoundedBody(request, 4096)).byteLength).toBe(4096);
    expect(request.bodyUsed).toBe(false);
    expect(await request.text()).toBe('a'.repeat(4096));
  });

  it('many chunks are joined in order', async () => {
    const bytes = await readBoundedBody(post(streamOf([1, 2, 3], 3)), 100);
    expect([...bytes]).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3]);
  });
});

describe('bodyKind (RFC 9110 §8.3.1)', () => {
  it.each([
    ['application/x-www-form-urlencoded', 'form'],
    ['Application/X-WWW-Form-URLEncoded; charset=UTF-8', 'form'],
    ['  application/x-www-form-urlencoded ;x=y', 'form'],
    ['application/json', 'json'],
    ['APPLICATION/JSON; charset=utf-8', 'json'],
    ['application/vnd.api+json', 'json'],
    ['application/+json', undefined],
    ['text/plain', undefined],
    ['multipart/form-data; boundary=x', undefined],
    ['application/x-www-form-urlencodedx', undefined],
    ['', undefined],
    [null, undefined],
  ])('%j is %s', (type, kind) => {
    expect(bodyKind(type)).toBe(kind);
  });
});

describe('parseForm and parseJson', () => {
  it('a repeated field keeps every value; names are only data', () => {
    const fields = parseForm('access_token=a&access_token=b&__proto__=x&constructor=y&a%5Fb=c+d');
    expect(fields.access_token).toEqual(['a', 'b']);
    expect(Object.getPrototypeOf(fields)).toBeNull();
    expect(Object.getOwnPropertyDescriptor(fields, '__proto__')?.value).toBe('x');
    expect(fields.a_b).toBe('c d');
  });

  it('JSON that does not parse is left out', () => {
    expect(parseJson('{not json')).toBeUndefined();
    expect(parseJson('{"access_token":"t"}')).toEqual({ access_token: 't' });
  });
});
