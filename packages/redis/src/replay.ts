/**
 * A Redis replay store: a single-use token id is recorded with `SET key <attempt> NX PXAT exp`,
 * one atomic command, so that across any number of server instances exactly one request wins.
 * A use the gate gave up on (Redis answered too late, or the connection failed) is undone with a
 * conditional delete on the same connection, ordered after the `SET`: the key is deleted only if
 * it still holds that attempt's value, so a refused request never burns the token.
 *
 * A use budget (`uses: { max, within }`) is a hash per token and action, counted by one Lua
 * script (`SPEND_SCRIPT`): Redis runs scripts one at a time, so of any number of concurrent
 * uses across the fleet exactly `max` are counted. The same conditional undo uncounts an attempt.
 *
 * Fail closed and bounded: while Redis is unreachable, commands are rejected at once rather
 * than queued (`disableOfflineQueue`); at most `maxPendingCommands` wait for replies; a
 * connection that stays silent for `socketTimeout` is dropped and reopened; the gate answers
 * 503 with `Retry-After`, and service resumes without a restart.
 */
import {
  type BudgetUse,
  ConfigurationError,
  type ConsumeResult,
  type ReplayStore,
  ReplayStoreUnavailableError,
  type ReplayUse,
  type SpendResult,
} from '@actiongate/core';
import { checkUrl, connect, positive, type RedisConnectionOptions } from './connection.js';

/**
 * Undoes one attempt, atomically. A single use (a string): deletes the key only if it still holds
 * this attempt's value (another attempt's record, or a later use after expiry, is left alone).
 * A budget (a hash): uncounts the attempt if it was counted, leaving the window as it is.
 */
const RELEASE_SCRIPT = `local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'string' then
  if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
elseif kind == 'hash' then
  if redis.call('HDEL', KEYS[1], 'a:' .. ARGV[1]) == 1 then redis.call('HINCRBY', KEYS[1], 'n', -1) return 1 end
end
return 0`;

/**
 * Counts one use of a budget. ARGV: attempt, max, window (ms, 0 for none), now (ms, the gate's
 * clock), expiry (ms since the epoch). Answers { 1, used } when counted, { 0, used } when spent.
 * The hash holds the count (`n`), the window's end (`end`, 0 for none) and one field per counted
 * attempt (`a:<attempt>`, at most `max`), so that an undo uncounts exactly its own use.
 */
const SPEND_SCRIPT = `local n = tonumber(redis.call('HGET', KEYS[1], 'n'))
local now = tonumber(ARGV[4])
if n == nil then
  local finish = 0
  if tonumber(ARGV[3]) > 0 then finish = now + tonumber(ARGV[3]) end
  redis.call('HSET', KEYS[1], 'n', 1, 'end', string.format('%d', finish), 'a:' .. ARGV[1], 1)
  redis.call('PEXPIREAT', KEYS[1], ARGV[5])
  return { 1, 1 }
end
local finish = tonumber(redis.call('HGET', KEYS[1], 'end'))
if n >= tonumber(ARGV[2]) or (finish > 0 and now >= finish) then return { 0, n } end
redis.call('HINCRBY', KEYS[1], 'n', 1)
redis.call('HSET', KEYS[1], 'a:' .. ARGV[1], 1)
return { 1, n + 1 }`;

/** The commands this store sends; any node-redis v5 client (or cluster) satisfies it. */
export interface RedisReplayClient {
  /** Records a use: `SET key value NX PXAT exp`; any reply but `'OK'` means the key was already taken. */
  set(
    key: string,
    value: string,
    options: { condition: 'NX'; expiration: { type: 'PXAT'; value: number } },
  ): Promise<unknown>;
  /** Runs the conditional-delete script that undoes a use the gate gave up on. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** When present, undos that could not be delivered are sent again on `ready` (reconnected). */
  on?(event: 'ready', listener: () => void): unknown;
}

/**
 * Options of {@link RedisReplayStore}. Give exactly one of `client` and `url`; every timeout is in
 * milliseconds and must be a whole number, 1 or more, or the constructor throws `ConfigurationError`.
 */
export interface RedisReplayStoreOptions extends RedisConnectionOptions {
  /** A node-redis client you created and connect yourself. Give this or `url`. */
  readonly client?: RedisReplayClient;
  /** `redis://` or `rediss://` URL: the store creates, connects and owns the client. */
  readonly url?: string;
  /** Prefix of every key. Default `actiongate:jti:`. */
  readonly keyPrefix?: string;
}

/** Undos that could not be delivered are kept for redelivery, up to this many. */
const MAX_PENDING_RELEASES = 10_000;

/**
 * A `ReplayStore` shared by every server instance through Redis, for single-use tokens
 * (`jti`) in a deployment of more than one process. Pass it as `replayStore` to `createGate()`.
 * See the module comment for how it fails closed.
 */
export class RedisReplayStore implements ReplayStore {
  readonly #client: RedisReplayClient;
  readonly #prefix: string;
  readonly #close: (() => Promise<void>) | undefined;
  readonly #connected: Promise<boolean>;
  /** Undos not yet delivered, by `key \n attempt`; sent again when Redis answers. */
  readonly #pendingReleases = new Map<string, readonly [string, string]>();
  #flushing = false;
  /** Undos sent at once: half the command queue at most, so that uses always find room. */
  readonly #flushBatch: number;

  constructor(options: RedisReplayStoreOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new ConfigurationError('redis', 'needs { url } or { client }');
    }
    const prefix = options.keyPrefix ?? 'actiongate:jti:';
    if (typeof prefix !== 'string') throw new ConfigurationError('redis.keyPrefix', 'must be a string');
    this.#prefix = prefix;
    if ((options.client === undefined) === (options.url === undefined)) {
      throw new ConfigurationError('redis.url', 'must be set, or else client (exactly one of the two)');
    }
    const maxPendingCommands = positive('maxPendingCommands', options.maxPendingCommands, 1000);
    this.#flushBatch = Math.max(1, Math.floor(maxPendingCommands / 2));
    if (options.client !== undefined) {
      for (const name of ['connectTimeout', 'readyTimeout', 'socketTimeout'] as const) positive(name, options[name], 1);
      const given = options.client;
      if (typeof given.set !== 'function' || typeof given.eval !== 'function')
        throw new ConfigurationError('redis.client', 'must be a node-redis client');
      this.#client = given;
      if (typeof given.on === 'function') given.on('ready', () => this.#flushReleases());
      this.#close = undefined;
      this.#connected = Promise.resolve(true);
      return;
    }
    const { client, connected } = connect(checkUrl(options.url), options, () => this.#flushReleases());
    this.#connected = connected;
    this.#client = client as unknown as RedisReplayClient;
    this.#close = async () => {
      if (client.isOpen) client.destroy();
    };
  }

  async consume(key: string, use: ReplayUse): Promise<ConsumeResult> {
    // Kept undos go first on the connection, so that the retry of a use they undo finds its key free.
    if (this.#pendingReleases.size > 0) this.#flushReleases();
    const reply = await this.#client.set(`${this.#prefix}${key}`, use.attempt, {
      condition: 'NX',
      expiration: { type: 'PXAT', value: Math.ceil(use.expiresAt) },
    });
    // Redis answers again: a good moment to deliver undos that could not be sent earlier.
    if (this.#pendingReleases.size > 0) this.#flushReleases();
    // `SET NX` answers `OK` (recorded) or nil (already there); anything else is a broken Redis
    // or proxy: unavailable (503, and the gate undoes the use), never a replay that would make
    // the client drop a token nobody used.
    if (reply === 'OK') return { first: true };
    if (reply === null) return { first: false };
    throw new ReplayStoreUnavailableError('Redis answered SET with an unexpected reply');
  }

  /** Counts one use of a budget, atomically across the fleet (see `SPEND_SCRIPT`). */
  async spend(key: string, use: BudgetUse): Promise<SpendResult> {
    if (this.#pendingReleases.size > 0) this.#flushReleases();
    const reply = await this.#client.eval(SPEND_SCRIPT, {
      keys: [`${this.#prefix}${key}`],
      arguments: [
        use.attempt,
        String(use.max),
        String(Math.max(0, Math.ceil(use.within ?? 0))),
        String(Math.floor(use.now)),
        String(Math.ceil(use.expiresAt)),
      ],
    });
    if (this.#pendingReleases.size > 0) this.#flushReleases();
    // Only { 0|1, used } is an answer; anything else (a proxy, a script cache gone wrong) is
    // unavailable: 503 and the use undone, never an allow.
    if (
      Array.isArray(reply) &&
      reply.length === 2 &&
      (reply[0] === 0 || reply[0] === 1) &&
      Number.isInteger(reply[1]) &&
      reply[1] >= 0
    ) {
      return { allowed: reply[0] === 1, used: reply[1] as number };
    }
    throw new ReplayStoreUnavailableError('Redis answered the budget script with an unexpected reply');
  }

  /**
   * Deletes the key if it still holds `attempt`. Sent on the same connection as the `SET`,
   * so Redis runs it after that `SET` however late it answers. When it cannot be sent now
   * (disconnected, queue full), it is kept and sent again once Redis answers.
   */
  async release(key: string, attempt: string): Promise<void> {
    const fullKey = `${this.#prefix}${key}`;
    try {
      await this.#sendRelease(fullKey, attempt);
    } catch (error) {
      if (this.#pendingReleases.size >= MAX_PENDING_RELEASES) throw error;
      this.#pendingReleases.set(`${fullKey}\n${attempt}`, [fullKey, attempt]);
    }
  }

  /** Undos waiting to be delivered (Redis was unreachable when they were due). */
  get pendingReleases(): number {
    return this.#pendingReleases.size;
  }

  #sendRelease(fullKey: string, attempt: string): Promise<unknown> {
    return this.#client.eval(RELEASE_SCRIPT, { keys: [fullKey], arguments: [attempt] });
  }

  #flushReleases(): void {
    if (this.#flushing || this.#pendingReleases.size === 0) return;
    this.#flushing = true;
    // Not all at once: after an outage thousands may be kept, and sent together they would fill
    // the command queue and refuse every use (503) until Redis had answered them all.
    const batch = [...this.#pendingReleases].slice(0, this.#flushBatch);
    let delivered = 0;
    void Promise.all(
      batch.map(async ([id, [fullKey, attempt]]) => {
        try {
          await this.#sendRelease(fullKey, attempt);
          this.#pendingReleases.delete(id);
          delivered++;
        } catch {
          // Kept: sent again on the next reconnection or use.
        }
      }),
    ).finally(() => {
      this.#flushing = false;
      // Redis took this batch: send the next one.
      if (delivered > 0) this.#flushReleases();
    });
  }

  /**
   * Settles with `true` once an owned client is connected (Redis answered its handshake), or
   * with `false` when the first attempt failed or `readyTimeout` passed: the server can start
   * anyway (single-use requests get 503 until Redis answers) or stop, as it prefers.
   */
  ready(): Promise<boolean> {
    return this.#connected;
  }

  /** Closes a client the store created; a client passed in is left to its owner. */
  async close(): Promise<void> {
    await this.#close?.();
  }
}
