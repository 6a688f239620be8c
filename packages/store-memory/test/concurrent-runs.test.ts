import { MemoryStore } from '@agentrt/store-memory';
import { describeConcurrentRuns } from '@agentrt/testing';

describeConcurrentRuns({ name: 'MemoryStore', create: () => new MemoryStore() });
