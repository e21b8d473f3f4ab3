/**
 * A Redis replay store: a single-use token id is recorded with `SET key <attempt> NX PXAT exp`,
 * one atomic command, so that across any number of server instances exactly one request wins.
 * A use the gate gave up on (Redis answered too late, or the connection failed) is undone with a
 * conditional delete on the same connection, ordered after the `SET`: the key is deleted only if
 * it still holds that attempt's value, so a refused request never burns the token.
 *
 * Fail closed and bounded: while Redis is unreachable, commands are rejected at once rather
 * than queued (`disableOfflineQueue`); at most `maxPendingCommands` wait for replies; a
 * connection that stays silent for `socketTimeout` is dropped and reopened; the gate answers
 * 503 with `Retry-After`, and service resumes without a restart.
 */
import {
  ConfigurationError,
  type ConsumeResult,
  type ReplayStore,
  ReplayStoreUnavailableError,
  type ReplayUse,
} from '@actiongate/core';
import { createClient } from '@redis/client';

/**
 * Deletes the key only if it still holds this attempt's value (another attempt's record, or a
 * later use after expiry, is left alone). One script, so the check and the delete are atomic.
 */
const RELEASE_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

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
export interface RedisReplayStoreOptions {
  /** A node-redis client you created and connect yourself. Give this or `url`. */
  readonly client?: RedisReplayClient;
  /** `redis://` or `rediss://` URL: the store creates, connects and owns the client. */
  readonly url?: string;
  /** Prefix of every key. Default `actiongate:jti:`. */
  readonly keyPrefix?: string;
  /** Connection attempts time out after this many ms. Default 1000. */
  readonly connectTimeout?: number;
  /** `ready()` settles after this many ms at the latest, connected or not. Default 2000. */
  readonly readyTimeout?: number;
  /**
   * A connection on which nothing was read or written for this many ms is dropped and reopened
   * (it is pinged every `socketTimeout / 5` ms while idle, so only a silent Redis trips it).
   * Default 5000.
   */
  readonly socketTimeout?: number;
  /** Commands waiting for a reply at most; more are refused at once (503). Default 1000. */
  readonly maxPendingCommands?: number;
  /** Connection errors of an owned client (it reconnects by itself). Default: ignored. */
  readonly onError?: (error: Error) => void;
}

/** Undos that could not be delivered are kept for redelivery, up to this many. */
const MAX_PENDING_RELEASES = 10_000;

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigurationError(`redis.${name}`, 'must be a whole number of milliseconds, 1 or more');
  }
  return value;
}

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
    const connectTimeout = positive('connectTimeout', options.connectTimeout, 1000);
    const readyTimeout = positive('readyTimeout', options.readyTimeout, 2000);
    const socketTimeout = positive('socketTimeout', options.socketTimeout, 5000);
    const maxPendingCommands = positive('maxPendingCommands', options.maxPendingCommands, 1000);
    this.#flushBatch = Math.max(1, Math.floor(maxPendingCommands / 2));
    if (options.client !== undefined) {
      const given = options.client;
      if (typeof given.set !== 'function' || typeof given.eval !== 'function')
        throw new ConfigurationError('redis.client', 'must be a node-redis client');
      this.#client = given;
      if (typeof given.on === 'function') given.on('ready', () => this.#flushReleases());
      this.#close = undefined;
      this.#connected = Promise.resolve(true);
      return;
    }
    const url = options.url as string;
    if (!/^rediss?:\/\//.test(url)) throw new ConfigurationError('redis.url', 'must be a redis:// or rediss:// URL');
    const client = createClient({
      url,
      // Never queue a command while disconnected (or still in the handshake): the request must
      // fail closed now, not hang.
      disableOfflineQueue: true,
      // And never let commands pile up behind a Redis that stopped answering.
      commandsQueueMaxLength: maxPendingCommands,
      // Idle connections are pinged, so that only a silent Redis trips socketTimeout.
      pingInterval: Math.max(1, Math.floor(socketTimeout / 5)),
      // RESP2 and the default handshake: the client is ready only once Redis has answered
      // `CLIENT SETINFO`, so a socket that accepts and never answers is never taken as ready.
      socket: {
        connectTimeout,
        socketTimeout,
        // Keep trying, at most a second apart (a silent socket included: node-redis by default
        // gives up after a socket timeout), so that service resumes when Redis is back.
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000),
      },
    });
    // Without a listener, node-redis would turn a connection error into an uncaught exception.
    client.on('error', options.onError ?? (() => {}));
    client.on('ready', () => this.#flushReleases());
    // Settles on the first connection, the first failure or after readyTimeout: a Redis that
    // is down or silent at start-up must not hold the server back. Until connected, commands
    // are refused (503), not held.
    this.#connected = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), readyTimeout);
      timer.unref?.();
      client.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
      client.once('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    client.connect().catch(() => {});
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
