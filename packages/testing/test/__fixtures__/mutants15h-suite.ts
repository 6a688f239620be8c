// Runs describeToolPack over the packs MUTANTS15H_TOOLS names (a JSON list; "correct": the sound pack).
import { describeToolPack } from '@agentrt/testing';
import { correctLookupTools, LOOKUP_SAMPLES, TOOL_MUTANTS_15H } from './mutants15h-tools.js';

const packs = JSON.parse(process.env.MUTANTS15H_TOOLS ?? '[]') as string[];
for (const name of packs) describeToolPack({ name, tools: name === 'correct' ? correctLookupTools : TOOL_MUTANTS_15H[name]!, samples: LOOKUP_SAMPLES });
