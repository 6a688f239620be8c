import { describeStateStore } from '@agentrt/testing';
import { schemaStores } from './pg-helpers.js';

// One fresh schema per test: tables, kill flags and the NOTIFY channel are all namespaced by it.
describeStateStore({ name: 'PostgresStore', ...schemaStores() });
