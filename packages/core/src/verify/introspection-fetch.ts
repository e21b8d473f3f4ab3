/**
 * One introspection request (RFC 7662 §2.1): a POST of the form `token` and
 * `token_type_hint=access_token`, authenticated as this resource server, with a deadline, no
 * redirects, 200 only and a byte cap while the body streams in. Its answer is the parsed JSON
 * object, or, for RFC 9701, the compact JWT text. Anything else is an `IntrospectionFetchError`:
 * the endpoint could not answer, and the request fails closed with 503.
 */
import { ActionGateError } from '../errors.js';
import { readCapped } from './fetch-json.js';
import type { NormalizedIntrospection } from './introspection-options.js';

/** Why the endpoint could not answer, for the server's logs (the audit event's `cause`); never sent to a client. */
export class IntrospectionFetchError extends ActionGateError {
  override readonly code = 'ERR_INTROSPECTION_FETCH';
}

/** RFC 6749 §2.3.1: each part is form-urlencoded before the pair is base64-encoded. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function basicCredentials(clientId: string, clientSecret: string): string {
  const pair = new TextEncoder().encode(`${formEncode(clientId)}:${formEncode(clientSecret)}`);
  let binary = '';
  for (const byte of pair) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

function mediaType(header: string | null): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** The response: a JSON value, or the JWT text when RFC 9701 was asked for. */
export async function requestIntrospection(config: NormalizedIntrospection, token: string): Promise<unknown> {
  const { url, timeout, maxBytes, accept } = config;
  const form = new URLSearchParams({ token, token_type_hint: 'access_token' });
  const headers: Record<string, string> = {
    accept,
    'content-type': 'application/x-www-form-urlencoded',
  };
  if (config.clientAuth === 'client_secret_basic')
    headers.authorization = basicCredentials(config.clientId, config.clientSecret);
  else {
    form.set('client_id', config.clientId);
    form.set('client_secret', config.clientSecret);
  }
  // One deadline for headers and body; its timer is unref'd.
  const signal = AbortSignal.timeout(timeout);
  try {
    const response = await fetch(url, { method: 'POST', redirect: 'manual', signal, headers, body: form });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new IntrospectionFetchError(`${url.href} answered ${response.status}, expected 200`);
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new IntrospectionFetchError(`${url.href} announced ${declared} bytes, more than the cap of ${maxBytes}`);
    }
    if (response.body === null) throw new IntrospectionFetchError(`${url.href} answered without a body`);
    const type = mediaType(response.headers.get('content-type'));
    const bytes = await readCapped(response.body, maxBytes, url.href);
    let body: string;
    try {
      body = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (cause) {
      throw new IntrospectionFetchError(`${url.href} answered something that is not UTF-8`, { cause });
    }
    if (accept === 'application/token-introspection+jwt') {
      // RFC 9701 §5: the answer is a JWT of this media type, never a plain JSON fallback.
      if (type !== 'application/token-introspection+jwt')
        throw new IntrospectionFetchError(`${url.href} answered ${type || 'no content type'}, not a signed JWT`);
      return body.trim();
    }
    try {
      return JSON.parse(body);
    } catch (cause) {
      throw new IntrospectionFetchError(`${url.href} answered something that is not JSON`, { cause });
    }
  } catch (error) {
    if (error instanceof IntrospectionFetchError) throw error;
    if (signal.aborted) throw new IntrospectionFetchError(`${url.href} did not answer in time`);
    if (error instanceof ActionGateError) throw new IntrospectionFetchError(error.message, { cause: error });
    throw new IntrospectionFetchError(`${url.href} could not be reached`, { cause: error });
  }
}
