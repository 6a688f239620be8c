// Loaded by the crash harness's child process (plain node, built code).
import { RedisStore } from '@agentrt/store-redis';
export const createStore = (options) => new RedisStore(options);
