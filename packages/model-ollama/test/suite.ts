import { OllamaModel } from '@agentrt/model-ollama';
import { type ModelAdapterSuiteOptions, startOllamaServer } from '@agentrt/testing';

/** The conformance suites' options for this adapter (shared by conformance.test.ts and runs.test.ts). */
export const suite: ModelAdapterSuiteOptions = {
  name: 'OllamaModel (ollama client)',
  start: (steps) => startOllamaServer(steps),
  // A vision model, so the image cases run; `reasoning` turns on `think`.
  create: (server, { reasoning, ...options }) => new OllamaModel({ model: 'llama3.2-vision', host: server.url, ...(reasoning ? { think: true } : {}), ...options }),
  malformedArgs: 'none',
  rejectsOrphans: false,
};
