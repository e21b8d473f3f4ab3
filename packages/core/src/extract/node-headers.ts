/**
 * Header fields read from a raw header list (`[name, value, name, value, …]`, as Node's
 * `rawHeaders` and `@hono/node-server` keep it), where each repeated field is its own entry:
 * Node keeps only the first of repeated `Authorization` headers in `req.headers`, and
 * `req.headersDistinct` builds arrays for every header on each access, which costs more on the
 * hot path.
 */
import { startsWithIgnoringCase } from './ascii-case.js';

/**
 * Every value of the field `name`, given in lowercase, in a raw header list (the core's own
 * readers; the public one is {@link rawFieldValues}). A name left without a value
 * at the end of an odd-length list (which Node never makes) counts as a field with an empty value,
 * so that it is seen, and refused as malformed or repeated, rather than lost.
 */
export function fieldValues(rawHeaders: readonly string[], name: string): string | string[] | undefined {
  let found: string | string[] | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const field = rawHeaders[i] as string;
    if (field.length !== name.length || !startsWithIgnoringCase(field, name)) continue;
    const value = rawHeaders[i + 1] ?? '';
    if (found === undefined) found = value;
    else if (typeof found === 'string') found = [found, value];
    else found.push(value);
  }
  return found;
}

/**
 * Every value of the header field `name` (any case) in a raw header list (`[name, value, …]`, as
 * Node's `rawHeaders`): one value as a string, a repeat as an array in the order sent, `undefined`
 * when absent. Names are compared ASCII case-insensitively (RFC 9110 §5.1).
 */
export const rawFieldValues = (rawHeaders: readonly string[], name: string): string | string[] | undefined =>
  fieldValues(rawHeaders, name.toLowerCase());

/** Every `Authorization` field of a Node request, read from `rawHeaders` so that repeats are seen. */
export const authorizationFields = (rawHeaders: readonly string[]): string | string[] | undefined =>
  fieldValues(rawHeaders, 'authorization');

/** Every `DPoP` field of a Node request (RFC 9449 §4.1), read from `rawHeaders` so that repeats are seen. */
export const dpopFields = (rawHeaders: readonly string[]): string | string[] | undefined =>
  fieldValues(rawHeaders, 'dpop');
