import { OllamaModel } from '@agentrt/model-ollama';
import { describeModelAdapter, startOllamaServer } from '@agentrt/testing';

describeModelAdapter({
  name: 'OllamaModel (ollama client)',
  start: (steps) => startOllamaServer(steps),
  // A vision model, so the image cases run; `reasoning` turns on `think`.
  create: (server, { reasoning, ...options }) => new OllamaModel({ model: 'llama3.2-vision', host: server.url, ...(reasoning ? { think: true } : {}), ...options }),
  malformedArgs: 'none',
  rejectsOrphans: false,
});
