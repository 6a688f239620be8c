import { AgentrtError, createRuntime, defineTool, TEXT_ONLY, type AgentRuntime, type ModelCapabilities, type RunResult } from '@agentrt/core';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MEDIA_SAMPLES } from '../corpora/media.js';
import type { LoopbackServer, LoopbackStep } from '../loopback/loopback-server.js';
import { PROBE, type ModelAdapterSuiteOptions } from './model-adapter.js';

const FAST = { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 };
const png = MEDIA_SAMPLES.png;
const rejections = (s: LoopbackServer) => s.requests.filter((r) => r.rejected).map((r) => r.rejected!.message);
const bodyText = (s: LoopbackServer, index: number) => JSON.stringify(s.requests[index]?.body);

type RichResult = RunResult & { readonly output?: unknown };
/** `run()` with rich options (a message list as input, a zod `output`), typed loosely on purpose. */
const runWith = (runtime: AgentRuntime, options: Record<string, unknown>) => runtime.run(options as never) as Promise<RichResult>;
/** The `run_finished` result of a streamed run. */
const streamWith = async (runtime: AgentRuntime, options: Record<string, unknown>) => {
  let result: RichResult | undefined;
  const types = new Set<string>();
  for await (const event of runtime.stream(options as never)) {
    types.add(event.type);
    if (event.type === 'run_finished') result = event.result as RichResult;
  }
  if (!result) throw new Error('the stream ended without run_finished');
  return { result, types };
};
/** The error code a run ended with, whether `run()` rejected or returned a failed result. */
const outcomeOf = async (pending: Promise<RichResult>) => {
  try {
    const result = await pending;
    return result.error?.code ?? result.stopReason;
  } catch (error) {
    return AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`;
  }
};

const screenshot = defineTool({
  name: 'screenshot',
  description: 'Takes a screenshot of the screen',
  input: z.object({}),
  execute: () => [{ type: 'text', text: 'screenshot taken' }, { type: 'image', mediaType: 'image/png', data: png }],
});
const add = defineTool({ name: 'add', description: 'Adds two numbers', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });

/**
 * Run-level rich-message cases: `createRuntime` with the real adapter against the provider's
 * strict loopback server — an image in the input, a tool that returns an image, a PDF, an image
 * refused for a text-only configuration, structured output (native request, parsed result,
 * repair), and reasoning across three tool steps in a streamed run. Which cases run follows the
 * adapter's declared `capabilities`. Takes the same options as `describeModelAdapter`.
 */
export function describeModelAdapterRuns(options: ModelAdapterSuiteOptions): void {
  describe(`ModelAdapter runs with rich messages: ${options.name}`, () => {
    let server: LoopbackServer | undefined;
    const start = async (steps: LoopbackStep[]) => (server = await options.start(steps));
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });
    const caps: ModelCapabilities = options.create(PROBE, {}).capabilities ?? TEXT_ONLY;
    const reasoning = (options.create(PROBE, { reasoning: true }).capabilities ?? TEXT_ONLY).reasoning;
    const image = { type: 'image', mediaType: 'image/png', data: png };

    it('fails a run that sends an image to a text-only configuration before any request (unsupported_content)', async () => {
      const s = await start([{ reply: { text: 'never' } }]);
      const model = options.create(s, { retry: FAST, capabilities: { imageTypes: [], fileTypes: [], partsInToolResults: false } });
      expect(await outcomeOf(runWith(createRuntime({ model }), { input: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, image] }] }))).toBe('unsupported_content');
      expect(s.requests).toHaveLength(0);
    });

    if (caps.imageTypes.includes('image/png')) {
      it('a run takes an image in its input; the provider receives it', async () => {
        const s = await start([{ reply: { text: 'a single pixel' } }]);
        const result = await runWith(createRuntime({ model: options.create(s, { retry: FAST }) }), { input: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, image] }] });
        expect(result).toMatchObject({ stopReason: 'final_answer', output: 'a single pixel' });
        expect(rejections(s)).toEqual([]);
        expect(bodyText(s, 0)).toContain(png);
      });
    }

    if (caps.imageTypes.includes('image/png') && caps.partsInToolResults) {
      it('a tool that returns an image: the provider accepts every request and receives the image (streamed run)', async () => {
        const s = await start([
          { reply: { toolCalls: [{ id: 'call_shot', name: 'screenshot', args: {} }] } },
          { reply: { text: 'the screen is blank' } },
        ]);
        const { result } = await streamWith(createRuntime({ model: options.create(s, { retry: FAST }), tools: [screenshot] }), { input: 'what is on screen?' });
        expect(result).toMatchObject({ stopReason: 'final_answer', output: 'the screen is blank', toolCalls: 1 });
        expect(rejections(s)).toEqual([]);
        expect(s.requests).toHaveLength(2);
        expect(bodyText(s, 1)).toContain(png);
        expect(bodyText(s, 1)).toContain('screenshot taken');
        // As an image in the provider's format, not agentrt's part serialized into text.
        expect(bodyText(s, 1)).not.toContain('mediaType');
      });
    }

    if (caps.fileTypes.includes('application/pdf')) {
      it('a run takes a PDF in its input', async () => {
        const s = await start([{ reply: { text: 'a one-page report' } }]);
        const input = [{ role: 'user', content: [{ type: 'file', mediaType: 'application/pdf', data: MEDIA_SAMPLES.pdf, filename: 'report.pdf' }, { type: 'text', text: 'summarize' }] }];
        const result = await runWith(createRuntime({ model: options.create(s, { retry: FAST }) }), { input });
        expect(result).toMatchObject({ stopReason: 'final_answer', output: 'a one-page report' });
        expect(rejections(s)).toEqual([]);
        expect(bodyText(s, 0)).toContain(MEDIA_SAMPLES.pdf);
      });
    }

    const weather = z.object({ city: z.string(), celsius: z.number() });
    it('structured output: result.output is the parsed value; natively requested where the adapter declares it', async () => {
      const s = await start([{ reply: { text: '{"city":"Paris","celsius":21}' } }]);
      const result = await runWith(createRuntime({ model: options.create(s, { retry: FAST }) }), { input: 'weather in Paris?', output: weather });
      expect(result).toMatchObject({ stopReason: 'final_answer', output: { city: 'Paris', celsius: 21 } });
      expect(rejections(s)).toEqual([]);
      const asked = s.wire.inspect?.(s.requests[0]!.body).outputSchema;
      if (caps.structuredOutput) expect(asked).toMatchObject({ type: 'object', properties: { city: { type: 'string' }, celsius: { type: 'number' } } });
      else expect(asked).toBeUndefined();
    });

    it('structured output repair: an invalid answer is fed back and the provider accepts the repair transcript', async () => {
      const s = await start([{ reply: { text: 'It is 21 degrees in Paris.' } }, { reply: { text: '{"city":"Paris","celsius":21}' } }]);
      const result = await runWith(createRuntime({ model: options.create(s, { retry: FAST }) }), { input: 'weather in Paris?', output: weather });
      expect(result).toMatchObject({ stopReason: 'final_answer', output: { city: 'Paris', celsius: 21 } });
      expect(rejections(s)).toEqual([]);
      expect(s.requests).toHaveLength(2);
    });

    if (reasoning) {
      it('a streamed run with reasoning through three tool steps: every request accepted, reasoning never the output', async () => {
        const s = await start([
          ...[1, 2, 3].map((n) => ({ reply: { reasoning: [{ text: `deliberating step ${n}` }], toolCalls: [{ id: `call_t${n}`, name: 'add', args: { a: n, b: n } }] } })),
          { reply: { reasoning: [{ text: 'deliberating the answer' }], text: '2, 4 and 6' } },
        ]);
        const { result } = await streamWith(createRuntime({ model: options.create(s, { retry: FAST, reasoning: true }), tools: [add] }), { input: 'double 1, 2 and 3' });
        expect(result).toMatchObject({ stopReason: 'final_answer', output: '2, 4 and 6', steps: 4, toolCalls: 3 });
        expect(rejections(s)).toEqual([]);
        expect(s.requests).toHaveLength(4);
        for (const n of [1, 2, 3]) expect(bodyText(s, 3)).toContain(`deliberating step ${n}`);
      });
    }
  });
}
