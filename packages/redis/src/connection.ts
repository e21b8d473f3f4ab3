/**
 * The client every store of this package creates from a `url`, set up to fail closed and stay
 * bounded: while Redis is unreachable commands are rejected at once rather than queued
 * (`disableOfflineQueue`); at most `maxPendingCommands` wait for replies; a connection silent
 * for `socketTimeout` is dropped and reopened, without end, so service resumes without a restart.
 */
import { ConfigurationError } from '@actiongate/core';
import { createClient } from '@redis/client';

/** Connection options shared by the stores; every timeout in milliseconds, a whole number 1 or more. */
export interface RedisConnectionOptions {
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

export function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigurationError(`redis.${name}`, 'must be a whole number of milliseconds, 1 or more');
  }
  return value;
}

export function checkUrl(url: unknown): string {
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url))
    throw new ConfigurationError('redis.url', 'must be a redis:// or rediss:// URL');
  return url;
}

export type OwnedClient = ReturnType<typeof connect>['client'];

/**
 * Validates the options now (ConfigurationError), creates the client and starts connecting.
 * `connected` settles `true` on the first `ready`, `false` on the first failure or after `readyTimeout`.
 */
export function connect(url: string, options: RedisConnectionOptions, onReady?: () => void) {
  const connectTimeout = positive('connectTimeout', options.connectTimeout, 1000);
  const readyTimeout = positive('readyTimeout', options.readyTimeout, 2000);
  const socketTimeout = positive('socketTimeout', options.socketTimeout, 5000);
  const maxPendingCommands = positive('maxPendingCommands', options.maxPendingCommands, 1000);
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
  if (onReady !== undefined) client.on('ready', onReady);
  // Settles on the first connection, the first failure or after readyTimeout: a Redis that
  // is down or silent at start-up must not hold the server back. Until connected, commands
  // are refused (503), not held.
  const connected = new Promise<boolean>((resolve) => {
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
  return { client, connected, maxPendingCommands };
}
