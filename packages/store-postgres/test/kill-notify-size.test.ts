// A kill flag whose NOTIFY payload would pass PostgreSQL's 8,000-byte limit (a long run id of
// control characters, which JSON escapes six-fold, plus a long non-ASCII reason) is still set
// and pushed: the reason in the payload is cut to fit, the scope never.
import { MAX_STORE_ID_LENGTH, type KillFlag } from '@agentrt/core';
import { afterEach, describe, expect, it } from 'vitest';
import { schemaStores, waitFor } from './pg-helpers.js';

const stores = schemaStores();
const opened: Parameters<typeof stores.destroy>[0][] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await stores.destroy(store);
});

describe('PostgresStore kill NOTIFY payload size', () => {
  it('sets and pushes a flag whose scope is MAX_STORE_ID_LENGTH control characters and whose reason is 2,000 two-byte characters', async () => {
    const store = stores.create();
    opened.push(store);
    const heard: KillFlag[] = [];
    const unsubscribe = store.subscribeKills!((flag) => heard.push(flag));
    try {
      const scope = '\u0001'.repeat(MAX_STORE_ID_LENGTH);
      const reason = '\u00e9'.repeat(2_000);
      // Wait until the subscription listens (a flag on a short scope is heard), so the big flag
      // arrives by NOTIFY itself, not by the replay of flags set before LISTEN.
      await store.setKillFlag({ scope: 'probe', reason: 'listening?', at: new Date().toISOString() });
      await waitFor(() => heard.some((flag) => flag.scope === 'probe'), 10_000, 'the probe flag');
      await store.setKillFlag({ scope, reason, at: new Date().toISOString() });
      expect((await store.getKillFlag(scope))?.reason).toBe(reason);
      await waitFor(() => heard.some((flag) => flag.scope === scope), 10_000, 'the pushed flag');
      const pushed = heard.find((flag) => flag.scope === scope)!;
      expect(reason.startsWith(pushed.reason.replace(/…$/, ''))).toBe(true);
    } finally {
      unsubscribe();
    }
  });
});
