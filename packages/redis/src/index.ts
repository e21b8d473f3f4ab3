export type { RedisConnectionOptions } from './connection.js';
export { type RedisReplayClient, RedisReplayStore, type RedisReplayStoreOptions } from './replay.js';
export { RedisRevocationStore, type RedisRevocationStoreOptions } from './revocation.js';
