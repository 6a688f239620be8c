import { OllamaModel } from '@agentrt/model-ollama';
import { describeModelAdapter, startOllamaServer } from '@agentrt/testing';

describeModelAdapter({
  name: 'OllamaModel (ollama client)',
  start: (steps) => startOllamaServer(steps),
  create: (server, options) => new OllamaModel({ model: 'llama3.1', host: server.url, ...options }),
  malformedArgs: 'none',
  rejectsOrphans: false,
});
