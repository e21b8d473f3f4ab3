export { MemoryReplayStore, type MemoryReplayStoreOptions } from './memory.js';
export type { BudgetUse, ConsumeResult, ReplayStore, ReplayUse, SpendResult } from './types.js';
