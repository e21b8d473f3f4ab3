/**
 * The demo's own oidc-provider storage adapter: one bounded in-memory store per server.
 *
 * oidc-provider warns whenever its quick-start adapter is used, because that one is shared by
 * every provider in the process and lost on restart. Passing an adapter is the documented way
 * (`configuration.adapter`) to choose storage deliberately; for a demo that lives as long as
 * its process, memory is the right choice, and a per-server store keeps two servers in one
 * process (tests) from seeing each other's grants.
 */
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

interface Entry {
  readonly payload: AdapterPayload;
  /** Epoch milliseconds, grace included; `Infinity` when oidc-provider gave no lifetime. */
  readonly expiresAt: number;
}

/** Entries beyond this are evicted oldest first, so a flood of requests cannot grow memory. */
const MAX_ENTRIES = 10_000;
/**
 * How long an entry outlives its expiry. oidc-provider checks `exp` itself and answers a poll
 * for an expired CIBA request with `expired_token` (CIBA §11); dropped at once, the request
 * would be unknown instead (`invalid_grant`), and the client could not tell expiry from error.
 */
const GRACE_MS = 60_000;

/** The adapter factory, plus a second name for a stored entry (see `alias`). */
export interface MemoryAdapterFactory extends AdapterFactory {
  /**
   * Lets `find(alias)` on `model` answer the entry stored under `id`, for as long as that entry
   * lives: destroying the entry (a revocation) ends the alias too.
   */
  alias(model: string, alias: string, id: string): void;
}

export function createMemoryAdapter(): MemoryAdapterFactory {
  const entries = new Map<string, Entry>();
  const index = new Map<string, string>(); // `uid:…` / `userCode:…` → model key
  const aliases = new Map<string, string>(); // `model:alias` → model key
  const grants = new Map<string, Set<string>>(); // grantId → model keys

  const live = (key: string | undefined): AdapterPayload | undefined => {
    if (key === undefined) return undefined;
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry.payload;
  };

  const set = (key: string, payload: AdapterPayload, expiresIn: number | undefined) => {
    entries.delete(key);
    entries.set(key, {
      payload,
      expiresAt: expiresIn === undefined ? Infinity : Date.now() + expiresIn * 1000 + GRACE_MS,
    });
    while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  };

  const factory = (model: string): Adapter => {
    const keyOf = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        const key = keyOf(id);
        set(key, payload, expiresIn);
        if (model === 'Session' && payload.uid !== undefined) index.set(`uid:${payload.uid}`, key);
        if (payload.userCode !== undefined) index.set(`userCode:${payload.userCode}`, key);
        if (payload.grantId !== undefined) {
          const members = grants.get(payload.grantId) ?? new Set<string>();
          members.add(key);
          grants.set(payload.grantId, members);
        }
      },
      find: async (id) => live(aliases.get(keyOf(id)) ?? keyOf(id)),
      findByUid: async (uid) => live(index.get(`uid:${uid}`)),
      findByUserCode: async (userCode) => live(index.get(`userCode:${userCode}`)),
      async consume(id) {
        const payload = live(keyOf(id));
        if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        entries.delete(keyOf(id));
      },
      async revokeByGrantId(grantId) {
        for (const key of grants.get(grantId) ?? []) entries.delete(key);
        grants.delete(grantId);
      },
    };
  };
  return Object.assign(factory, {
    alias(model: string, alias: string, id: string) {
      aliases.set(`${model}:${alias}`, `${model}:${id}`);
      while (aliases.size > MAX_ENTRIES) aliases.delete(aliases.keys().next().value as string);
    },
  });
}
