/**
 * Server-provided DPoP nonces (RFC 9449 §8, §9). A nonce is an HMAC of its time slot under a
 * secret, so nothing is stored: the current slot's nonce and the previous one are accepted
 * (a client that fetched a nonce just before a rotation is not refused), and every instance
 * given the same secret accepts every other instance's nonces.
 */
import { base64url, type CryptoKey } from 'jose';

export class DpopNonces {
  readonly #rotateMs: number;
  readonly #now: () => number;
  readonly #key: Promise<CryptoKey>;
  /** The last two slots' nonces: rotation is once per period, so this stays tiny. */
  #cache = new Map<number, string>();

  constructor(options: { readonly rotate: number; readonly secret: string | undefined }, now: () => number) {
    this.#rotateMs = options.rotate * 1000;
    this.#now = now;
    const secret =
      options.secret === undefined
        ? crypto.getRandomValues(new Uint8Array(32))
        : new TextEncoder().encode(options.secret);
    this.#key = crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  }

  #slot(): number {
    return Math.floor(this.#now() / this.#rotateMs);
  }

  async #nonceFor(slot: number): Promise<string> {
    const cached = this.#cache.get(slot);
    if (cached !== undefined) return cached;
    const mac = await crypto.subtle.sign('HMAC', await this.#key, new TextEncoder().encode(`dpop-nonce ${slot}`));
    // §8.1: nonce = 1*NQCHAR; base64url is within it.
    const nonce = base64url.encode(new Uint8Array(mac).subarray(0, 24));
    if (this.#cache.size >= 4) this.#cache = new Map([...this.#cache].filter(([s]) => s >= slot - 1));
    this.#cache.set(slot, nonce);
    return nonce;
  }

  /** The nonce to send now in `DPoP-Nonce`. */
  current(): Promise<string> {
    return this.#nonceFor(this.#slot());
  }

  /** Whether `nonce` is the current nonce or the previous one. */
  async accepts(nonce: unknown): Promise<boolean> {
    if (typeof nonce !== 'string' || nonce.length === 0 || nonce.length > 256) return false;
    const slot = this.#slot();
    return nonce === (await this.#nonceFor(slot)) || nonce === (await this.#nonceFor(slot - 1));
  }
}
