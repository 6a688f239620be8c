import {
  createRuntime, defineTool, MemoryStore, TEXT_ONLY, type AgentRuntime, type ContentPart, type Message, type ModelAdapter, type ModelRequest, type RunResult, type StateStore,
} from '@agentrt/core';
import { anthropicProvider } from '@agentrt/model-anthropic';
import { ollamaProvider } from '@agentrt/model-ollama';
import { openaiProvider } from '@agentrt/model-openai';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';
import { makePdf, makePng, pngSize } from './media.js';

/** A 64×48 photo: a red square on blue. */
export const PHOTO = makePng(64, 48, (x, y) => (x >= 16 && x < 48 && y >= 8 && y < 40 ? [220, 30, 30] : [30, 60, 200]));
/** A 320×200 "screenshot" the tool returns: a grey page with a green button. */
export const SCREENSHOT = makePng(320, 200, (x, y) => (x >= 120 && x < 200 && y >= 150 && y < 180 ? [40, 180, 60] : [235, 235, 235]));
/** A one-page PDF. */
export const REPORT = makePdf('Quarterly report: revenue up 12 percent');

/** The user turn: text, an image and a PDF. */
export const INPUT: Message[] = [{
  role: 'user',
  content: [
    { type: 'text', text: 'Compare my photo with the current screen and tell me what the report says.' },
    { type: 'image', mediaType: 'image/png', data: PHOTO.toString('base64') },
    { type: 'file', mediaType: 'application/pdf', data: REPORT.toString('base64'), filename: 'report.pdf' },
  ],
}];

/** A tool that returns an image: the screen, with a caption. */
export const takeScreenshot = defineTool({
  name: 'take_screenshot',
  description: 'Captures the current screen as a PNG image',
  input: z.object({}),
  execute: (): ContentPart[] => [
    { type: 'text', text: 'Screenshot of the current screen' },
    { type: 'image', mediaType: 'image/png', data: SCREENSHOT.toString('base64') },
  ],
});

const images = (messages: readonly Message[]) => messages.flatMap((message) =>
  (message.role === 'user' || message.role === 'tool') && typeof message.content !== 'string'
    ? message.content.flatMap((part) => (part.type === 'image' && part.data ? [pngSize(Buffer.from(part.data, 'base64'))] : []))
    : []);

/**
 * The embedded model, used when no provider is configured. It takes a screenshot, then
 * "looks": its answer is built from the image bytes it actually received (their sizes) and
 * the PDF part, so the output proves the parts reached the model intact.
 */
export function createScriptedViewer(): ScriptedModel {
  return new ScriptedModel([
    ScriptedModel.call('take_screenshot', {}, { reasoning: 'I need the current screen to compare it with the photo.' }),
    (request: ModelRequest) => {
      const seen = images(request.messages).map(({ width, height }) => `${width}×${height}`);
      const pdf = request.messages.some((m) => m.role === 'user' && typeof m.content !== 'string' && m.content.some((p) => p.type === 'file' && p.mediaType === 'application/pdf'));
      return ScriptedModel.answer(`I looked at ${seen.length} images (${seen.join(', ')})${pdf ? ' and the PDF report' : ''}.`, undefined, { reasoning: 'Both images arrived; the photo is smaller than the screen.' });
    },
  ]);
}

/** Picks the model: `AGENTRT_MODEL` (e.g. `anthropic:claude-sonnet-4-6`) if set, else the embedded scripted model (no network). */
export function chooseModel(env: NodeJS.ProcessEnv = process.env): ModelAdapter | string {
  return env.AGENTRT_MODEL ?? createScriptedViewer();
}

/** A runtime with the screenshot tool. */
export function createVisionRuntime(model: ModelAdapter | string = createScriptedViewer(), store: StateStore = new MemoryStore()): AgentRuntime {
  return createRuntime({
    model,
    store,
    plugins: [openaiProvider(), anthropicProvider(), ollamaProvider()],
    tools: [takeScreenshot],
    limits: { maxSteps: 4, timeoutMs: 60_000, maxPartBytes: 5 * 1024 * 1024 },
  });
}

/** Runs the vision task. */
export async function lookAtThings(runtime: AgentRuntime = createVisionRuntime()): Promise<RunResult> {
  return runtime.run({ input: INPUT });
}

/** The same task on a text-only model: refused before any call, with `unsupported_content`. */
export async function onTextOnlyModel(): Promise<RunResult> {
  const textOnly = new ScriptedModel([], { provider: 'example', model: 'text-only-1', capabilities: TEXT_ONLY });
  return createVisionRuntime(textOnly).run({ input: INPUT });
}
