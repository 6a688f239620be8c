import { MemoryStore } from '@agentrt/store-memory';
import { describeRunLimits } from '@agentrt/testing';

describeRunLimits({ name: 'MemoryStore', create: () => new MemoryStore() });
