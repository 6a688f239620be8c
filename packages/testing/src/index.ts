export { ScriptedModel } from './scripted-model.js';
export type { ScriptStep, AnswerStep, ToolCallStep, ErrorStep, DynamicStep, ScriptedToolCall, ScriptedModelOptions } from './scripted-model.js';
export { checkRunInvariants, assertRunInvariants } from './invariants.js';
export type { InvariantReport } from './invariants.js';
export { describeStateStore } from './conformance/state-store.js';
export type { StateStoreSuiteOptions } from './conformance/state-store.js';
