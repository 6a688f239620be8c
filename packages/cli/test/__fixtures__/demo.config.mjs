// A config that names no model: with no provider key in the environment the CLI runs on its
// embedded demo model. One tool, so the demo model can show a tool call.
import { defineTool } from '@agentrt/core';
import { z } from 'zod';

export default {
  tools: [defineTool({ name: 'add', description: 'Adds two numbers', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b })],
  store: { type: 'sqlite', path: process.env.AGENTRT_TEST_DB },
};
