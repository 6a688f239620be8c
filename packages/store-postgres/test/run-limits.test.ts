import { describeRunLimits } from '@agentrt/testing';
import { schemaStores } from './pg-helpers.js';

describeRunLimits({ name: 'PostgresStore', ...schemaStores() });
