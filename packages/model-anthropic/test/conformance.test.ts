import { AnthropicModel } from '@agentrt/model-anthropic';
import { describeModelAdapter, startAnthropicServer } from '@agentrt/testing';

describeModelAdapter({
  name: 'AnthropicModel (@anthropic-ai/sdk)',
  start: (steps) => startAnthropicServer(steps),
  create: (server, options) => new AnthropicModel({ model: 'claude-sonnet-4-5', apiKey: 'sk-ant-test-loopback', baseURL: server.url, ...options }),
  malformedArgs: 'stream',
  rejectsOrphans: true,
});
