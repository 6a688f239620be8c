// The CLI test config on PostgreSQL: the same model and tools, the store swapped by one line.
import base from './agentrt.config.mjs';

export default { ...base, store: { type: 'postgres', url: process.env.DATABASE_URL, schema: process.env.AGENTRT_TEST_PG_SCHEMA } };
