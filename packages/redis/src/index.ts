/**
 * A Redis replay store: single-use token ids recorded with `SET key 1 NX PXAT exp`, one
 * atomic command, so that across any number of server instances exactly one request wins.
 *
 * Fail closed: while Redis is unreachable, commands are rejected at once rather than queued
 * (`disableOfflineQueue`), the gate answers 503 with `Retry-After`, and the client keeps
 * reconnecting in the background, so service resumes without a restart.
 */
import { ConfigurationError, type ReplayStore } from '@actiongate/core';
import { createClient } from 'redis';

/** The one command this store sends; any node-redis v5 client (or cluster) satisfies it. */
export interface RedisSetClient {
  set(
    key: string,
    value: string,
    options: { condition: 'NX'; expiration: { type: 'PXAT'; value: number } },
  ): Promise<string | null>;
}

export interface RedisReplayStoreOptions {
  /** A node-redis client you created and connect yourself. Give this or `url`. */
  readonly client?: RedisSetClient;
  /** `redis://` or `rediss://` URL: the store creates, connects and owns the client. */
  readonly url?: string;
  /** Prefix of every key. Default `actiongate:jti:`. */
  readonly keyPrefix?: string;
  /** Connection attempts time out after this many ms. Default 1000. */
  readonly connectTimeout?: number;
  /** Connection errors of an owned client (it reconnects by itself). Default: ignored. */
  readonly onError?: (error: Error) => void;
}

export class RedisReplayStore implements ReplayStore {
  readonly #client: RedisSetClient;
  readonly #prefix: string;
  readonly #close: (() => Promise<void>) | undefined;
  readonly #connected: Promise<void>;

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
    if (options.client !== undefined) {
      if (typeof options.client.set !== 'function')
        throw new ConfigurationError('redis.client', 'must be a node-redis client');
      this.#client = options.client;
      this.#close = undefined;
      this.#connected = Promise.resolve();
      return;
    }
    const url = options.url as string;
    if (!/^rediss?:\/\//.test(url)) throw new ConfigurationError('redis.url', 'must be a redis:// or rediss:// URL');
    const client = createClient({
      url,
      // Never queue a command while disconnected: the request must fail closed now, not hang.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: options.connectTimeout ?? 1000,
        // Keep trying, at most a second apart, so that service resumes when Redis is back.
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000),
      },
    });
    // Without a listener, node-redis would turn a connection error into an uncaught exception.
    client.on('error', options.onError ?? (() => {}));
    // Settles on the first connection or the first failure: a Redis that is down at start-up
    // must not hold the server back. Until connected, commands are refused (503), not held.
    this.#connected = new Promise<void>((resolve) => {
      client.once('ready', () => resolve());
      client.once('error', () => resolve());
    });
    client.connect().catch(() => {});
    this.#client = client as unknown as RedisSetClient;
    this.#close = async () => {
      client.destroy();
    };
  }

  async consume(key: string, expiresAt: number): Promise<boolean> {
    const reply = await this.#client.set(`${this.#prefix}${key}`, '1', {
      condition: 'NX',
      expiration: { type: 'PXAT', value: Math.ceil(expiresAt) },
    });
    return reply === 'OK';
  }

  /** Settles once an owned client's first connection attempt has ended, connected or not. */
  ready(): Promise<void> {
    return this.#connected;
  }

  /** Closes a client the store created; a client passed in is left to its owner. */
  async close(): Promise<void> {
    await this.#close?.();
  }
}
