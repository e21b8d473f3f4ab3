/**
 * One server instance of a fleet, in a process of its own: a gate with the Redis revocation and
 * replay stores, driven by its parent over IPC (`fork`). Used by fleet.test.ts only.
 */
import { createGate, defineActions, type Gate } from '@actiongate/core';
import { RedisReplayStore, RedisRevocationStore } from '../src/index.js';

interface Init {
  readonly type: 'init';
  readonly redisUrl: string;
  readonly issuer: string;
  readonly resource: string;
  readonly jwks: { keys: Record<string, unknown>[] };
}
type Message =
  | Init
  | { readonly type: 'decide'; readonly id: number; readonly action: 'export' | 'read'; readonly token: string }
  | { readonly type: 'poll'; readonly id: number; readonly token: string; readonly maxMs: number }
  | { readonly type: 'stop' };

const actions = defineActions({
  export: { scopes: ['invoices:export'], uses: { max: 3, within: 300 } },
  read: { scopes: [] },
});
let gate: Gate<'export' | 'read'> | undefined;
let stores: { close(): Promise<void> }[] = [];
const send = (message: unknown) => process.send?.(message);
const bearer = (token: string) => ({ method: 'GET', path: '/x', authorization: `Bearer ${token}` });

process.on('message', async (message: Message) => {
  if (message.type === 'init') {
    const revocation = new RedisRevocationStore({ url: message.redisUrl });
    const replayStore = new RedisReplayStore({ url: message.redisUrl });
    stores = [revocation, replayStore];
    revocation.subscribe((record) => send({ type: 'heard', value: record.value, at: Date.now() }));
    gate = createGate({
      actions,
      resource: message.resource,
      issuers: [{ issuer: message.issuer, jwks: message.jwks as never }],
      revocation,
      replayStore,
    });
    send({ type: 'ready', ok: (await revocation.ready()) && (await replayStore.ready()) });
  } else if (message.type === 'decide' && gate !== undefined) {
    const decision = await gate.decide(message.action, bearer(message.token));
    send({ type: 'decided', id: message.id, code: decision.allow ? 'allow' : decision.code });
  } else if (message.type === 'poll' && gate !== undefined) {
    // Asks as a client would, back to back, until the token is refused (bounded by maxMs).
    const until = Date.now() + message.maxMs;
    let polls = 0;
    send({ type: 'polling', id: message.id });
    while (Date.now() < until) {
      polls++;
      const decision = await gate.decide('read', bearer(message.token));
      if (!decision.allow) {
        send({ type: 'refused', id: message.id, code: decision.code, polls, at: Date.now() });
        return;
      }
    }
    send({ type: 'refused', id: message.id, code: 'never', polls, at: Date.now() });
  } else if (message.type === 'stop') {
    await Promise.all(stores.map((store) => store.close()));
    process.disconnect?.();
  }
});
