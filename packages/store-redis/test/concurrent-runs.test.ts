import { describeConcurrentRuns } from '@agentrt/testing';
import { prefixedStores } from './redis-helpers.js';

describeConcurrentRuns({ name: 'RedisStore', ...prefixedStores() });
