import { AgentrtError, type StateStore } from '@agentrt/core';

/**
 * A store standing in for a process that dies at one write: from the first call for which
 * `dieAt` returns true, every call fails with `store_unavailable` (nothing more reaches the store).
 * Internal to the conformance suites (not exported from the package).
 */
export function dyingStore(inner: StateStore, dieAt: (method: string, input: unknown) => boolean): StateStore {
  let dead = false;
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (property === 'close') return Promise.resolve();
        if (!dead && dieAt(String(property), args[0])) dead = true;
        if (dead) return Promise.reject(new AgentrtError('store_unavailable', 'the process died'));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
