export { MemoryReplayStore, type MemoryReplayStoreOptions } from './memory.js';
export type { ConsumeResult, ReplayStore, ReplayUse } from './types.js';
