// media16k: a user's process — the official-SDK adapter, tools-http and tools-fs, a durable store.
// argv[2] is JSON: { mode: 'start'|'resume', runId, store: {kind, ...}, provider: 'openai'|'anthropic',
// providerUrl, httpPort, root, crashAfterStep?, maxSteps? }. Prints `RESULT <json>`.
import 'reflect-metadata';
import { createRuntime } from '@agentrt/core';
import { OpenAIModel } from '@agentrt/model-openai';
import { AnthropicModel } from '@agentrt/model-anthropic';
import { createHttpTools } from '@agentrt/tools-http';
import { createFsTools } from '@agentrt/tools-fs';

const config = JSON.parse(process.argv[2]);

async function openStore(spec) {
  if (spec.kind === 'sqlite') return new (await import('@agentrt/store-sqlite')).SqliteStore({ path: spec.path });
  if (spec.kind === 'redis') return new (await import('@agentrt/store-redis')).RedisStore({ url: spec.url, keyPrefix: spec.keyPrefix });
  return new (await import('@agentrt/store-postgres')).PostgresStore({ url: spec.url, schema: spec.schema });
}

const store = await openStore(config.store);
const model = config.provider === 'anthropic'
  ? new AnthropicModel({ model: 'claude-sonnet-4-6', apiKey: 'sk-ant-test', baseURL: config.providerUrl, retry: { maxAttempts: 1 } })
  : new OpenAIModel({ model: 'gpt-4o', apiKey: 'sk-test', baseURL: `${config.providerUrl}/v1`, retry: { maxAttempts: 1 } });
const tools = [
  ...createHttpTools({ allowHosts: ['127.0.0.1'], allowHttp: true, allowPorts: [config.httpPort], allowPrivateAddresses: ['127.0.0.1/32'] }),
  ...createFsTools({ root: config.root, readOnly: true }),
];
const hooks = config.crashAfterStep === undefined ? [] : [{
  // onStepEnd runs after the step is committed (docs/architecture.md): the media step is durable.
  onStepEnd(step) { if (step.stepIndex === config.crashAfterStep) process.kill(process.pid, 'SIGKILL'); },
}];
const runtime = createRuntime({ model, tools, store, hooks, limits: { maxSteps: config.maxSteps ?? 20 }, leaseTtlMs: 1000 });
const result = config.mode === 'resume' ? await runtime.resume(config.runId, { waitForLeaseMs: 10_000 }) : await runtime.run({ input: 'Fetch the chart and the report.', runId: config.runId });
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
await store.close();
