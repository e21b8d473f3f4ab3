/**
 * Every `Authorization` field of a Node request, read from `rawHeaders`: Node keeps only the
 * first of repeated `Authorization` headers in `req.headers`, and `req.headersDistinct`
 * builds arrays for every header on each access, which costs more on the hot path.
 */
export function authorizationFields(rawHeaders: readonly string[]): string | string[] | undefined {
  let found: string | string[] | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length !== 13 || name.toLowerCase() !== 'authorization') continue;
    const value = rawHeaders[i + 1] as string;
    if (found === undefined) found = value;
    else if (typeof found === 'string') found = [found, value];
    else found.push(value);
  }
  return found;
}

/** Every `DPoP` field of a Node request (RFC 9449 §4.1), read from `rawHeaders` so that repeats are seen. */
export function dpopFields(rawHeaders: readonly string[]): string | string[] | undefined {
  let found: string | string[] | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length !== 4 || name.toLowerCase() !== 'dpop') continue;
    const value = rawHeaders[i + 1] as string;
    if (found === undefined) found = value;
    else if (typeof found === 'string') found = [found, value];
    else found.push(value);
  }
  return found;
}
