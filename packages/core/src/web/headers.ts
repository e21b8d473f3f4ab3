/**
 * Credential fields of a Web-standard `Headers`. `Headers` combines repeated fields into one
 * value joined by ", " (Fetch, "combine"), so a request with two `Authorization` fields reaches
 * a Web handler as one value. Neither credentials form the gate accepts can hold ", " (RFC 6750
 * §2.1 b64token, RFC 9449 §7.1 token68, a DPoP proof is a compact JWS), so the value is split
 * there and the gate refuses it as repeated (400, RFC 6750 §3.1 invalid_request; a repeated
 * `DPoP` field, RFC 9449 §4.3). One field that holds ", " itself (`Bearer a, Bearer b`,
 * `Digest a=1, b=2`) cannot be told apart from a repeat: it is refused the same way, with the
 * same status and error; where the runtime keeps the raw header list, pass it instead.
 */
import { fieldValues } from '../extract/node-headers.js';

const JOINED = ', ';
const COMMA = ',';

/** Every value of a credentials field, split where `Headers` joined repeats; `undefined` when absent. */
export function credentialFields(headers: Headers, name: 'authorization' | 'dpop'): string | string[] | undefined {
  const value = headers.get(name);
  if (value === null) return undefined;
  // A copy of a `Headers` (`new Request(request)`) trims the joined value again, so an empty
  // repeat shows only as a leading or trailing comma ("Bearer x," from "Bearer x" and "").
  const joined = value.includes(JOINED) || value.startsWith(COMMA) || value.endsWith(COMMA);
  return joined ? value.split(COMMA).map((part) => part.trim()) : value;
}

/**
 * Every value of a credentials field from a raw header list (`[name, value, name, value, …]`,
 * as Node's `rawHeaders`), where each repeat is its own entry: exact, with no joining to undo.
 */
export const rawCredentialFields = (
  rawHeaders: readonly string[],
  name: 'authorization' | 'dpop',
): string | string[] | undefined => fieldValues(rawHeaders, name);

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
