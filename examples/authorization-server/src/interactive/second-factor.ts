/**
 * The second factor: RFC 6287 OCRA challenge-response, suite `OCRA-1:HOTP-SHA1-6:QN08`.
 *
 * Why a challenge per interaction instead of RFC 6238 TOTP: a TOTP code is valid for a time
 * step, so single use means "one login per user per 30 s step" (RFC 6238 §5.2), and an MCP
 * client that steps up two or three times within seconds would wait for the clock or fail at
 * random. Here the page shows an 8-digit challenge drawn at random for this one interaction;
 * the user's authenticator (holding the shared secret) answers it with a 6-digit response. A
 * response answers only its own challenge, and a challenge is spent by its first success (and
 * replaced after a few wrong answers), so a response cannot be replayed in this or any later
 * interaction, yet any number of step-ups work back to back with no clock involved.
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

export const OCRA_SUITE = 'OCRA-1:HOTP-SHA1-6:QN08';

/**
 * User name → the hex-encoded shared secret of that user's demo authenticator. Demo-only, like
 * the passwords in DEMO_USERS: anyone who reads this can answer alice's challenges.
 */
export const DEMO_SECOND_FACTOR: Readonly<Record<string, string>> = Object.freeze({
  alice: Buffer.from('alice-demo-authenticator', 'utf8').toString('hex'),
  bob: Buffer.from('bob-demo-authenticator', 'utf8').toString('hex'),
});

/** A fresh 8-digit numeric challenge (QN08) from the CSPRNG. */
export function newChallenge(): string {
  return String(randomInt(0, 100_000_000)).padStart(8, '0');
}

/**
 * RFC 6287 §5: OCRA(K, DataInput) with DataInput = suite ‖ 0x00 ‖ Q, where a numeric
 * challenge is written in hexadecimal and right-padded with zeros to 128 bytes (§5.1), then
 * HOTP's dynamic truncation to 6 digits (RFC 4226 §5.3).
 */
export function ocraResponse(secretHex: string, challenge: string): string {
  if (!/^[0-9a-f]+$/i.test(secretHex) || secretHex.length % 2 !== 0) {
    throw new TypeError('second factor secret: give it as hexadecimal bytes');
  }
  if (!/^\d{1,8}$/.test(challenge)) throw new TypeError('challenge: up to 8 digits (QN08)');
  const question = BigInt(challenge).toString(16).toUpperCase().padEnd(256, '0');
  const data = Buffer.concat([Buffer.from(OCRA_SUITE, 'ascii'), Buffer.of(0), Buffer.from(question, 'hex')]);
  const hash = createHmac('sha1', Buffer.from(secretHex, 'hex')).update(data).digest();
  const offset = (hash[hash.length - 1] as number) & 0x0f;
  const binary = hash.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

/** Whether `answer` is the response to `challenge`, compared in constant time. */
export function checkResponse(secretHex: string, challenge: string, answer: string): boolean {
  const expected = Buffer.from(ocraResponse(secretHex, challenge));
  const given = Buffer.from(answer.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}
