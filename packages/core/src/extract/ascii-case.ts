/**
 * Whether `text` begins with `lowercase` (ASCII), its letters compared case-insensitively, as
 * HTTP compares field names (RFC 9110 §5.1) and auth-schemes (§11.1). Code by code, so that no
 * copy of a request's string (its prefix, a lowercase copy) is made on the hot path. Only a letter
 * has another case: 'A'…'Z' are 0x20 below 'a'…'z'; every other code must be equal.
 */
export function startsWithIgnoringCase(text: string, lowercase: string): boolean {
  if (text.length < lowercase.length) return false;
  for (let i = 0; i < lowercase.length; i++) {
    const expected = lowercase.charCodeAt(i);
    const actual = text.charCodeAt(i);
    if (actual !== expected && !(expected >= 0x61 && expected <= 0x7a && actual === expected - 0x20)) return false;
  }
  return true;
}
