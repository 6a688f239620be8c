// Wrote v2.db once (schema v2: content parts, reasoning, structured output, media blobs).
// Kept to document how the fixture was made; never re-run it over the committed file —
// fixtures are append-only. Usage (built code): node make-v2.mjs /tmp/v2.db
import 'reflect-metadata';
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';

const image = (size, seed) => {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * seed + 5) % 256;
  return bytes.toString('base64');
};
const PHOTO = image(20_000, 7);
const SHOT = image(12_000, 13);
const store = new SqliteStore({ path: process.argv[2] });
const screenshot = defineTool({ name: 'screenshot', description: 'Takes a screenshot', input: z.object({}), sideEffects: 'idempotent', execute: () => [{ type: 'text', text: 'the screen' }, { type: 'image', mediaType: 'image/png', data: SHOT }] });
const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: () => 'paid' });
const tools = [screenshot, pay];
const signed = (text, signature) => [{ text, providerData: { anthropic: { signature } } }];

const model = new ScriptedModel([
  ScriptedModel.call('screenshot', {}, { id: 'v2-s1', reasoning: signed('I should look at the screen', 'sig-v2-1') }),
  ScriptedModel.answer('a cat next to a screen', undefined, { reasoning: signed('both show a cat', 'sig-v2-2') }),
]);
await createRuntime({ model, store, tools, audit: { hashChain: true } }).run({
  runId: 'v2-media',
  input: [{ role: 'user', content: [{ type: 'text', text: 'What do you see?' }, { type: 'image', mediaType: 'image/jpeg', data: PHOTO }, { type: 'file', mediaType: 'application/pdf', url: 'https://example.com/spec.pdf', filename: 'spec.pdf' }] }],
});

const Weather = z.object({ city: z.string(), tempC: z.number() });
await createRuntime({ model: new ScriptedModel([ScriptedModel.answer('warm'), ScriptedModel.json({ city: 'Paris', tempC: 18 })]), store, tools }).run({ runId: 'v2-structured', input: 'Weather in Paris?', output: Weather });

await createRuntime({ model: new ScriptedModel([ScriptedModel.call('pay', { cents: 500 }, { id: 'v2-p1' })]), store, tools }).run({
  runId: 'v2-paused',
  input: [{ role: 'user', content: [{ type: 'text', text: 'Pay this invoice' }, { type: 'image', mediaType: 'image/png', data: SHOT }] }],
});
await store.close();
