// Child process of the crash harness: runs (or resumes) the crash scenario and kills itself
// with SIGKILL at the configured crash point. Prints `RESULT <json>` when it gets that far.
import 'reflect-metadata';
import { createRuntime, type RuntimeHooks, type StateStore } from '@agentrt/core';
import type { CrashChildConfig } from './harness.js';
import { approvalScenarioModel, crashScenarioModel, crashScenarioTools, MEDIA_INPUT, mediaScenarioModel, slowScenarioModel, slowScenarioTools } from './scenario.js';

const config = JSON.parse(process.argv[2]!) as CrashChildConfig;
const die = () => process.kill(process.pid, 'SIGKILL');
const at = (point: string, step: number) => config.crash?.point === point && (config.crash.step === undefined || config.crash.step === step);

const { createStore } = (await import(config.storeModule)) as { createStore(options: unknown): StateStore };
const base = createStore(config.storeOptions);
const store: StateStore = new Proxy(base, {
  get(target, property, receiver) {
    const value = Reflect.get(target, property, receiver);
    if (property !== 'commitStep' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
    return async (input: Parameters<StateStore['commitStep']>[0]) => {
      if (at('CP5', input.step.stepIndex)) die(); // results recorded, step not committed
      const pending = value.call(target, input) as Promise<void>;
      if (at('CP6', input.step.stepIndex)) setImmediate(die); // torn: the write may or may not land
      return pending;
    };
  },
});

const hooks: RuntimeHooks = {
  beforeModel: (_request, context) => void (at('CP1', context.stepIndex) && die()),
  afterModel: (_response, context) => void (at('CP2', context.stepIndex) && die()),
  beforeTool: (_call, context) => void (at('CP3', context.stepIndex) && die()),
  onStepEnd: (step) => void (at('CP7', step.stepIndex) && die()),
  onRunEnd: () => void (config.crash?.point === 'CP8' && die()),
};
const scenario = config.scenario ?? 'crash';
const media = scenario === 'media';
const tools = crashScenarioTools(config.counterUrl, (tool, stepIndex) => {
  if (at('CP4', stepIndex) && (config.crash?.tool ?? 'charge') === tool) die(); // effect done, completion not recorded
}, { media });
const runtime = scenario === 'crash' || media
  ? createRuntime({ model: media ? mediaScenarioModel() : crashScenarioModel(), tools, store, hooks: [hooks], leaseTtlMs: config.leaseTtlMs, owner: `crash-child-${process.pid}`, limits: { maxSteps: 10 } })
  : createRuntime({
    model: scenario === 'slow' ? slowScenarioModel() : approvalScenarioModel(),
    tools: slowScenarioTools(config.counterUrl), store, leaseTtlMs: config.leaseTtlMs, owner: `child-${process.pid}`,
    loopDetection: false, limits: { maxSteps: 200, timeoutMs: 60_000 },
  });
const result = config.mode === 'start'
  ? await runtime.run({ input: media ? MEDIA_INPUT : 'run the crash scenario', runId: config.runId })
  : await runtime.resume(config.runId, { waitForLeaseMs: config.leaseTtlMs * 10 });
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
await runtime.close();
