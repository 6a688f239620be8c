// Runs describeStateStore over the stores REDTEAM15D_MUTANTS names (a JSON list; "correct" is the
// plain MemoryStore), and describeToolPack over the packs REDTEAM15D_TOOL_MUTANTS names ("correct": the sound pack).
import { MemoryStore } from '@agentrt/core';
import { describeStateStore, describeToolPack } from '@agentrt/testing';
import { correctUnitsTools, MUTANTS, TOOL_MUTANTS, UNITS_SAMPLES } from './redteam15d-mutants.js';

const names = JSON.parse(process.env.REDTEAM15D_MUTANTS ?? '[]') as string[];
for (const name of names) describeStateStore({ name, create: name === 'correct' ? () => new MemoryStore() : MUTANTS[name]! });
const packs = JSON.parse(process.env.REDTEAM15D_TOOL_MUTANTS ?? '[]') as string[];
for (const name of packs) describeToolPack({ name, tools: name === 'correct' ? correctUnitsTools : TOOL_MUTANTS[name]!, samples: UNITS_SAMPLES });
