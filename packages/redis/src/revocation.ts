/**
 * A Redis revocation store: the deny list every server instance shares.
 *
 * - `revoke()` writes the record (one Lua script: a `sub` or `client` record keeps the furthest
 *   `before` and the longest lifetime of the revocations it merges) and publishes it, in the same
 *   script, on a channel every instance subscribes to. It resolves once Redis has the record.
 * - `isRevoked()` reads Redis on every request (one `MGET` of at most eight keys), so a token is
 *   refused by every instance from the first request after `revoke()` resolved: the propagation
 *   delay is one round trip, whatever pub/sub does. Records published by other instances are kept
 *   in a bounded local mirror, which answers "revoked" without the round trip; "not revoked" is
 *   always Redis's answer, so a lost message can delay nothing.
 * - Fail closed: Redis down, stalled (the gate's `revocationTimeout`) or answering nonsense makes
 *   `isRevoked()` reject, and the gate answers 503 with `Retry-After`, never allows.
 *
 * Records expire in Redis (`PX`) at their `until`: by then the tokens they refuse have expired.
 * Keys are SHA-256 digests under one hash tag, so that one `MGET` is valid on a cluster too.
 */
import { createHash } from 'node:crypto';
import {
  ConfigurationError,
  MemoryRevocationStore,
  type Revocation,
  type RevocationQuery,
  type RevocationRecord,
  type RevocationStore,
  RevocationUnavailableError,
  recordRevokes,
  revocationLookups,
  toRevocationRecord,
} from '@actiongate/core';
import { checkUrl, connect, type OwnedClient, type RedisConnectionOptions } from './connection.js';

/** Options of {@link RedisRevocationStore}; the connection options are as for `RedisReplayStore`. */
export interface RedisRevocationStoreOptions extends RedisConnectionOptions {
  /** `redis://` or `rediss://` URL: the store creates, connects and owns its two clients. */
  readonly url: string;
  /** Prefix of every key. Default `actiongate:{revoked}:` (one hash tag: one cluster slot). */
  readonly keyPrefix?: string;
  /** The pub/sub channel. Default `actiongate:revoked`. */
  readonly channel?: string;
  /**
   * Seconds a record is kept when `revoke()` gives no `until`; make it at least your longest
   * token lifetime. Default 86400 (a day).
   */
  readonly retention?: number;
  /** Records published by other instances kept locally at most. Default 10000. */
  readonly mirrorEntries?: number;
}

/**
 * Keeps the furthest `before` ('inf' beats any number) and the longest lifetime of the record
 * already held and this one, then publishes. ARGV: before, lifetime (ms), channel, message.
 */
const REVOKE_SCRIPT = `local before = ARGV[1]
local held = redis.call('GET', KEYS[1])
if held then
  if held == 'inf' or (before ~= 'inf' and tonumber(held) ~= nil and tonumber(held) > tonumber(before)) then before = held end
end
local ttl = tonumber(ARGV[2])
local left = redis.call('PTTL', KEYS[1])
if left > ttl then ttl = left end
redis.call('SET', KEYS[1], before, 'PX', ttl)
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1`;

const KINDS = new Set(['jti', 'sub', 'client', 'grant']);

function digest(kind: string, issuer: string | undefined, value: string): string {
  return createHash('sha256')
    .update(JSON.stringify([kind, issuer ?? null, value]))
    .digest('hex');
}

/** A published record, checked field by field: a message is data from the network. */
function parseMessage(message: string): RevocationRecord | undefined {
  try {
    const { k, i, v, b, u } = JSON.parse(message) as Record<string, unknown>;
    if (typeof k !== 'string' || !KINDS.has(k) || typeof v !== 'string' || typeof u !== 'number') return undefined;
    if (i !== null && typeof i !== 'string') return undefined;
    const before = b === 'inf' ? Number.POSITIVE_INFINITY : b;
    if (typeof before !== 'number' || Number.isNaN(before)) return undefined;
    return { kind: k as RevocationRecord['kind'], issuer: i ?? undefined, value: v, before, until: u };
  } catch {
    return undefined;
  }
}

/**
 * A `RevocationStore` shared by every server instance through Redis. Pass it as `revocation`
 * to `createGate()`; call `revoke()` from any instance (or an admin process). See the module
 * comment for how it propagates and fails closed.
 */
export class RedisRevocationStore implements RevocationStore {
  readonly #client: OwnedClient;
  readonly #subscriber: OwnedClient;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #retention: number;
  readonly #connected: Promise<boolean>;
  readonly #subscribed: Promise<boolean>;
  readonly #mirror: MemoryRevocationStore;
  readonly #listeners = new Set<(record: RevocationRecord) => void>();

  constructor(options: RedisRevocationStoreOptions) {
    if (typeof options !== 'object' || options === null) throw new ConfigurationError('redis', 'needs { url }');
    const prefix = options.keyPrefix ?? 'actiongate:{revoked}:';
    if (typeof prefix !== 'string') throw new ConfigurationError('redis.keyPrefix', 'must be a string');
    const channel = options.channel ?? 'actiongate:revoked';
    if (typeof channel !== 'string' || channel.length === 0)
      throw new ConfigurationError('redis.channel', 'must be a non-empty string');
    const retention = options.retention ?? 86_400;
    if (!Number.isInteger(retention) || retention < 1)
      throw new ConfigurationError('redis.retention', 'must be a whole number of seconds, 1 or more');
    this.#prefix = prefix;
    this.#channel = channel;
    this.#retention = retention;
    // Validates the mirror's size; its records expire on their own `until`.
    this.#mirror = new MemoryRevocationStore({ maxEntries: options.mirrorEntries ?? 10_000, retention });
    const url = checkUrl(options.url);
    const commands = connect(url, options);
    const subscriber = connect(url, options);
    this.#client = commands.client;
    this.#subscriber = subscriber.client;
    this.#connected = commands.connected;
    // node-redis subscribes again by itself after a reconnection.
    this.#subscribed = subscriber.connected.then(async (ready) => {
      if (!ready) return false;
      try {
        await subscriber.client.subscribe(channel, (message) => this.#learn(message));
        return true;
      } catch {
        return false;
      }
    });
  }

  #learn(message: string): void {
    const record = parseMessage(message);
    if (record === undefined) return;
    try {
      this.#mirror.add(record);
    } catch {
      // The mirror is full: Redis still answers every lookup.
    }
    for (const listener of this.#listeners) {
      try {
        listener(record);
      } catch {
        // A listener's failure is its own.
      }
    }
  }

  async isRevoked(query: RevocationQuery): Promise<boolean> {
    if (this.#mirror.isRevoked(query)) return true;
    const pairs = revocationLookups(query);
    if (pairs.length === 0) return false;
    const looked: [string, RevocationRecord['kind']][] = [];
    for (const [kind, value] of pairs) {
      looked.push([`${this.#prefix}${digest(kind, query.issuer, value)}`, kind]);
      looked.push([`${this.#prefix}${digest(kind, undefined, value)}`, kind]);
    }
    const reply: unknown = await this.#client.mGet(looked.map(([key]) => key));
    if (!Array.isArray(reply) || reply.length !== looked.length) {
      throw new RevocationUnavailableError('Redis answered MGET with an unexpected reply');
    }
    let revoked = false;
    for (const held of reply) {
      if (held === null) continue;
      const before = held === 'inf' ? Number.POSITIVE_INFINITY : typeof held === 'string' ? Number(held) : Number.NaN;
      // A value this store never writes: a corrupted or foreign key. Fail closed.
      if (held === '' || Number.isNaN(before)) throw new RevocationUnavailableError('Redis holds an unexpected record');
      if (recordRevokes(before, query.iat)) revoked = true;
    }
    return revoked;
  }

  async revoke(revocation: Revocation): Promise<void> {
    const now = Date.now();
    const record = toRevocationRecord(revocation, now / 1000, this.#retention);
    const lifetime = Math.ceil(record.until * 1000 - now);
    if (lifetime <= 0) return; // every token it could refuse has expired
    const before = record.before === Number.POSITIVE_INFINITY ? 'inf' : String(record.before);
    const message = JSON.stringify({
      k: record.kind,
      i: record.issuer ?? null,
      v: record.value,
      b: before,
      u: record.until,
    });
    await this.#client.eval(REVOKE_SCRIPT, {
      keys: [`${this.#prefix}${digest(record.kind, record.issuer, record.value)}`],
      arguments: [before, String(lifetime), this.#channel, message],
    });
  }

  /** Called for every revocation published by any instance (this one included). */
  subscribe(onRevoked: (record: RevocationRecord) => void): () => void {
    this.#listeners.add(onRevoked);
    return () => this.#listeners.delete(onRevoked);
  }

  /**
   * Settles `true` once both connections are up and the channel subscribed, `false` when the
   * first attempt failed or `readyTimeout` passed (lookups are refused with 503 until Redis answers).
   */
  async ready(): Promise<boolean> {
    const [connected, subscribed] = await Promise.all([this.#connected, this.#subscribed]);
    return connected && subscribed;
  }

  /** Closes both of the store's connections. */
  async close(): Promise<void> {
    for (const client of [this.#subscriber, this.#client]) if (client.isOpen) client.destroy();
  }
}
