export { MemoryRevocationStore, type MemoryRevocationStoreOptions } from './memory.js';
export {
  lookups as revocationLookups,
  revokes as recordRevokes,
  toRecord as toRevocationRecord,
} from './record.js';
export type { Revocation, RevocationHook, RevocationQuery, RevocationRecord, RevocationStore } from './types.js';
