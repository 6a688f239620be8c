// Loaded by the crash harness's child process (plain node, built code).
import { PostgresStore } from '@agentrt/store-postgres';
export const createStore = (options) => new PostgresStore(options);
