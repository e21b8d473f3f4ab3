/**
 * Credential fields of a Web-standard `Headers`. `Headers` combines repeated fields into one
 * value joined by ", " (Fetch §2.2.2, "combine"), so a request with two `Authorization` fields
 * reaches a Web handler as one value with a comma. Neither credentials form the gate accepts can
 * hold a comma (RFC 6750 §2.1 b64token, RFC 9449 §7.1 token68, a DPoP proof is a compact JWS),
 * so a comma is read as a repeat and the value is split: the gate then refuses it as repeated
 * (400, RFC 6750 §3.1 invalid_request; a repeated `DPoP` field, RFC 9449 §4.3). One field with
 * auth-params (`Digest a=1, b=2`) is refused the same way; it carries no Bearer token anyway.
 */
const COMMA = ',';

/** Every value of a credentials field, split where `Headers` joined repeats; `undefined` when absent. */
export function credentialFields(headers: Headers, name: 'authorization' | 'dpop'): string | string[] | undefined {
  const value = headers.get(name);
  if (value === null) return undefined;
  if (!value.includes(COMMA)) return value;
  // Each part is trimmed as the field's own value would have been (RFC 9110 §5.5: no leading
  // or trailing whitespace); an empty part is kept, so ", " still counts as two fields.
  return value.split(COMMA).map((part) => part.trim());
}

/**
 * Copies the headers an allowed decision carries (a fresh `DPoP-Nonce`, RFC 9449 §8.2 and §9)
 * onto the handler's response headers. Returns the same `Headers`.
 */
export function applyDecisionHeaders(
  target: Headers,
  decision: { readonly headers?: Readonly<Record<string, string>> | undefined },
): Headers {
  const extra = decision.headers;
  if (extra !== undefined) for (const name of Object.keys(extra)) target.set(name, extra[name] as string);
  return target;
}
