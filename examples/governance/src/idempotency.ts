import { createRuntime } from '@agentrt/core';
import { MemoryStore } from '@agentrt/store-memory';
import { ScriptedModel } from '@agentrt/testing';

export async function idempotency() {
  const store = new MemoryStore();
  const model = new ScriptedModel([ScriptedModel.answer('Refund issued.')]);
  const a = createRuntime({ model, store });
  const b = createRuntime({ model, store }); // a second instance sharing the store

  const first = await a.run({ input: 'refund order 9', idempotencyKey: 'refund-9' });
  const again = await b.run({ input: 'refund order 9', idempotencyKey: 'refund-9' }); // same run, same result, no model call
  let conflict = '';
  try {
    await b.run({ input: 'refund order 10', idempotencyKey: 'refund-9' });
  } catch (error) {
    conflict = (error as { code: string }).code; // 'idempotency_conflict'
  }
  return { first, again, conflict, modelCalls: model.calls };
}
