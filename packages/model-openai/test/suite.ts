import { OpenAIModel } from '@agentrt/model-openai';
import { type ModelAdapterSuiteOptions, startOpenAIServer } from '@agentrt/testing';

/** The conformance suites' options for this adapter (shared by conformance.test.ts and runs.test.ts). */
export const suite: ModelAdapterSuiteOptions = {
  name: 'OpenAIModel (openai SDK)',
  start: (steps) => startOpenAIServer(steps),
  // Chat Completions has no reasoning to turn on: `reasoning` is ignored.
  create: (server, { reasoning: _reasoning, ...options }) => new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1`, ...options }),
  malformedArgs: 'generate',
  rejectsOrphans: true,
};
