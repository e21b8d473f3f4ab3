/**
 * The demo's users and how they prove who they are: a password each. Kept apart from any page
 * so that every login on this server (the approval inbox today, an authorization-code
 * interaction with a second factor later) checks credentials in this one place.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { RateLimiter } from './approvals.js';

/** User name → password. Demo defaults, documented in the README: never use them elsewhere. */
export const DEMO_USERS: Readonly<Record<string, string>> = Object.freeze({
  alice: 'alice-demo-password',
  bob: 'bob-demo-password',
});

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export class Accounts {
  readonly #passwords: ReadonlyMap<string, Buffer>;
  /** Guesses allowed per user name per minute, so that a password cannot be brute-forced. */
  readonly #attempts = new RateLimiter(10, 60_000);

  constructor(users: Readonly<Record<string, string>>) {
    const entries = Object.entries(users);
    for (const [name, password] of entries) {
      if (!/^[a-z0-9._-]{1,64}$/i.test(name) || typeof password !== 'string' || password.length < 8) {
        throw new TypeError(
          `users: "${name}" needs a name of letters, digits, ".", "_" or "-" and a password of at least 8 characters`,
        );
      }
    }
    this.#passwords = new Map(entries.map(([name, password]) => [name, digest(password)]));
  }

  has(name: string): boolean {
    return this.#passwords.has(name);
  }

  /**
   * The account id when `password` is `name`'s, otherwise `undefined`. Compared in constant
   * time over fixed-length digests, and an unknown name costs the same as a wrong password, so
   * neither timing nor the answer tells which names exist.
   */
  verify(name: string, password: string): string | undefined {
    // Only known names are counted, so that made-up names cannot grow the limiter's memory.
    if (this.#passwords.has(name) && !this.#attempts.allow(name)) return undefined;
    const expected = this.#passwords.get(name) ?? digest('\u0000unknown user');
    const matches = timingSafeEqual(expected, digest(password));
    return matches && this.#passwords.has(name) ? name : undefined;
  }
}
