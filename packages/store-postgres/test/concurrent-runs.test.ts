import { describeConcurrentRuns } from '@agentrt/testing';
import { schemaStores } from './pg-helpers.js';

describeConcurrentRuns({ name: 'PostgresStore', ...schemaStores() });
