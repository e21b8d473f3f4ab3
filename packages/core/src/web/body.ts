/**
 * Reading a Web `Request`'s body for the facts, without taking it from the handler: only form
 * (RFC 6750 §2.2) and JSON bodies, from a clone, and never more than `maxBodyBytes`, counted on
 * the stream itself (a `Content-Length` can be absent, as with chunked transfer coding, or lie).
 */
import { ActionGateError } from '../errors.js';

/** Why a body could not be read. */
export type RequestBodyErrorCode = 'ERR_BODY_TOO_LARGE' | 'ERR_BODY_UNREADABLE' | 'ERR_BODY_CONSUMED';

const MESSAGES: Record<RequestBodyErrorCode, string> = {
  ERR_BODY_TOO_LARGE: 'The request body is too large',
  ERR_BODY_UNREADABLE: 'The request body could not be read',
  ERR_BODY_CONSUMED:
    'actiongate: the request body was read before the guard; put the guard before anything that reads the body',
};

const STATUS: Record<RequestBodyErrorCode, 400 | 413 | 500> = {
  // RFC 9110 §15.5.14 Content Too Large.
  ERR_BODY_TOO_LARGE: 413,
  // RFC 9110 §15.5.1: the request could not be received whole (aborted, cut short).
  ERR_BODY_UNREADABLE: 400,
  // The app's own mistake: the body may hold a token the gate must see, so fail closed.
  ERR_BODY_CONSUMED: 500,
};

/**
 * A form or JSON body the gate had to see but could not. `webRequestFacts` rejects with it
 * rather than decide without the body; answer with {@link requestBodyErrorResponse}. The
 * message is fixed text: nothing from the request reaches it.
 */
export class RequestBodyError extends ActionGateError {
  override readonly code: RequestBodyErrorCode;
  /** The HTTP status to answer with: 413, 400, or 500 when the app read the body first. */
  readonly status: 400 | 413 | 500;
  /** Whether the message may be shown to the client. */
  readonly expose: boolean;

  constructor(code: RequestBodyErrorCode, options?: { cause?: unknown }) {
    super(MESSAGES[code], options);
    this.code = code;
    this.status = STATUS[code];
    this.expose = this.status < 500;
  }
}

/** The kind of body the facts are read from, by its media type (RFC 9110 §8.3.1). */
export type BodyKind = 'form' | 'json' | undefined;

/**
 * RFC 9110 §8.3.1: the media type is `type "/" subtype`, case-insensitive, parameters after
 * `;` ignored. Form (RFC 6750 §2.2) is only `application/x-www-form-urlencoded`; JSON is
 * `application/json` and any `+json` suffix (RFC 6839 §3.1).
 */
export function bodyKind(contentType: string | null): BodyKind {
  if (contentType === null) return undefined;
  const semicolon = contentType.indexOf(';');
  const media = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (media === 'application/x-www-form-urlencoded') return 'form';
  if (media === 'application/json') return 'json';
  const slash = media.indexOf('/');
  return slash > 0 && media.endsWith('+json') && slash < media.length - 6 ? 'json' : undefined;
}

/** Reads at most `max` bytes of `request`'s body from a clone; the original stays unread. */
export async function readBoundedBody(request: Request, max: number): Promise<Uint8Array> {
  if (request.bodyUsed) throw new RequestBodyError('ERR_BODY_CONSUMED');
  // A declared length over the limit is refused without reading a byte of it.
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > max) {
    throw new RequestBodyError('ERR_BODY_TOO_LARGE');
  }
  const stream = request.clone().body;
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) {
        // Stop reading at once: the rest is never buffered.
        reader.cancel().catch(() => {});
        throw new RequestBodyError('ERR_BODY_TOO_LARGE');
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof RequestBodyError) throw error;
    throw new RequestBodyError('ERR_BODY_UNREADABLE', { cause: error });
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** A form body's fields; a repeated name gets every value, in order, as `querystring` does. */
export function parseForm(text: string): Record<string, string | string[]> {
  // No prototype: a field named `__proto__` or `constructor` is only data.
  const fields: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(text)) {
    const seen = fields[name];
    if (seen === undefined) fields[name] = value;
    else if (typeof seen === 'string') fields[name] = [seen, value];
    else seen.push(value);
  }
  return fields;
}

/** A JSON body, or `undefined` when it does not parse: the guard then answers without it. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
