import { describeStateStore } from '@agentrt/testing';
import { prefixedStores } from './redis-helpers.js';

describeStateStore({ name: 'RedisStore', ...prefixedStores() });
