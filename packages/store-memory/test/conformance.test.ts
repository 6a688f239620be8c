import { MemoryStore } from '@agentrt/store-memory';
import { describeStateStore } from '@agentrt/testing';

describeStateStore({ name: 'MemoryStore', create: () => new MemoryStore() });
