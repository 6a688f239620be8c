// Loaded by the crash harness's child process (plain node, built code).
import { SqliteStore } from '@agentrt/store-sqlite';
export const createStore = (options) => new SqliteStore(options);
