export { MemoryReplayStore, type MemoryReplayStoreOptions } from './memory.js';
export type { ReplayStore } from './types.js';
