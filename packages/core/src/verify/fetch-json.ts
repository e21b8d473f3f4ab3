/**
 * One bounded GET of a JSON document from a neighbour that may misbehave: a deadline for the
 * whole exchange (headers and body, given as a signal), no redirects, 200 only, and a byte cap enforced while the
 * body streams in, so an oversized answer is dropped at the cap instead of being buffered.
 */
import { ActionGateError } from '../errors.js';

export interface FetchLimits {
  /** Aborts the exchange (headers and body) when its deadline passes. */
  readonly signal: AbortSignal;
  /** Most bytes of body accepted. */
  readonly maxBytes: number;
}

/** Why a fetch failed, for the server's logs (the audit event's `cause`); never sent to a client. */
export class KeySetFetchError extends ActionGateError {
  override readonly code = 'ERR_KEY_SET_FETCH';
}

/** Reads a body up to `maxBytes`, cancelling the transfer at the cap. */
export async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number, url: string): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Stop the transfer now: the rest of the body is never read, let alone kept.
      await reader.cancel().catch(() => undefined);
      throw new KeySetFetchError(`${url} answered more than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

export async function fetchJson(url: URL, limits: FetchLimits, accept: string): Promise<unknown> {
  const { signal } = limits;
  try {
    const response = await fetch(url, { method: 'GET', redirect: 'manual', signal, headers: { accept } });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new KeySetFetchError(`${url.href} answered ${response.status}, expected 200`);
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > limits.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new KeySetFetchError(`${url.href} announced ${declared} bytes, more than the cap of ${limits.maxBytes}`);
    }
    if (response.body === null) throw new KeySetFetchError(`${url.href} answered without a body`);
    const bytes = await readCapped(response.body, limits.maxBytes, url.href);
    try {
      return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (cause) {
      throw new KeySetFetchError(`${url.href} answered something that is not JSON`, { cause });
    }
  } catch (error) {
    if (error instanceof KeySetFetchError) throw error;
    if (signal.aborted) throw new KeySetFetchError(`${url.href} did not answer in time`);
    throw new KeySetFetchError(`${url.href} could not be fetched`, { cause: error });
  }
}
