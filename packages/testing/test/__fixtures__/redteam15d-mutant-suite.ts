// Runs describeStateStore over the stores REDTEAM15D_MUTANTS names (a JSON list; "correct" is the plain MemoryStore).
import { MemoryStore } from '@agentrt/core';
import { describeStateStore } from '@agentrt/testing';
import { MUTANTS } from './redteam15d-mutants.js';

const names = JSON.parse(process.env.REDTEAM15D_MUTANTS ?? '[]') as string[];
for (const name of names) describeStateStore({ name, create: name === 'correct' ? () => new MemoryStore() : MUTANTS[name]! });
