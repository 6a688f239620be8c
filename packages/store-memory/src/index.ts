import { definePlugin, MemoryStore, TOKENS, type MemoryStoreOptions, type Plugin } from '@agentrt/core';

/**
 * The in-process `StateStore`. It is the store core uses when none is given, exported
 * here under the package name every store kind has. Nothing survives the process.
 */
export { MemoryStore };
export type { MemoryStoreOptions };

/**
 * A plugin that registers a `MemoryStore` as the runtime's `StateStore`: the one given, or a new
 * one made with the given options (`memoryStorePlugin({ maxFinishedRuns: 1_000 })`, as the other
 * store plugins take their store's options), or a new one with the defaults.
 */
export function memoryStorePlugin(storeOrOptions: MemoryStore | MemoryStoreOptions = {}): Plugin {
  // A store by shape, not `instanceof`: a MemoryStore from another copy of core is a store too.
  const isStore = typeof storeOrOptions === 'object' && storeOrOptions !== null && typeof (storeOrOptions as Partial<MemoryStore>).createRun === 'function';
  const store = isStore ? (storeOrOptions as MemoryStore) : new MemoryStore(storeOrOptions as MemoryStoreOptions);
  return definePlugin({
    name: '@agentrt/store-memory',
    register(container) {
      container.register(TOKENS.StateStore, { useValue: store });
    },
  });
}
