import { definePlugin, MemoryStore, TOKENS, type Plugin } from '@agentrt/core';

/**
 * The in-process `StateStore`. It is the store core uses when none is given, exported
 * here under the package name every store kind has. Nothing survives the process.
 */
export { MemoryStore };

/** A plugin that registers a fresh `MemoryStore` as the runtime's `StateStore`. */
export function memoryStorePlugin(store: MemoryStore = new MemoryStore()): Plugin {
  return definePlugin({
    name: '@agentrt/store-memory',
    register(container) {
      container.register(TOKENS.StateStore, { useValue: store });
    },
  });
}
