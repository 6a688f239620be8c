import { AgentrtError } from '@agentrt/core';
import { McpBridge, safeOutputSchema } from '@agentrt/tools-mcp';
import { afterEach, describe, expect, it } from 'vitest';
import { context, fixture, toolOf } from './helpers.js';

const bridges: McpBridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
});

async function connect(timeoutMs = 5_000) {
  const bridge = await McpBridge.connect({ name: 'red', command: process.execPath, args: [fixture('redteam-server.mjs')], timeoutMs });
  bridges.push(bridge);
  return bridge;
}

async function run(bridge: McpBridge, name: string) {
  return toolOf(bridge, name).execute({}, context(name).ctx);
}

/** The longest time the event loop was blocked while `work` ran (a stalled loop shows as one long gap). */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: PromiseSettledResult<T>; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 10);
  try {
    const [result] = await Promise.allSettled([work()]);
    return { result, stallMs };
  } finally {
    clearInterval(timer);
  }
}

describe('red team: output schemas a server uses to stall the process', () => {
  it('drops a pattern or uniqueItems hidden under a __proto__ key of a schema', () => {
    const schema = JSON.parse('{"type":"object","properties":{"x":{"type":"string","__proto__":{"pattern":"^(a+)+$","uniqueItems":true}}}}') as Record<string, unknown>;
    const safe = safeOutputSchema(schema) as { properties: { x: Record<string, unknown> } };
    expect(Object.getPrototypeOf(safe.properties.x)).toBe(Object.prototype);
    expect(safe.properties.x.pattern).toBeUndefined();
    expect(safe.properties.x.uniqueItems).toBeUndefined();
    // A property named __proto__ stays a property.
    const named = safeOutputSchema(JSON.parse('{"type":"object","properties":{"__proto__":{"type":"number"}}}')) as { properties: Record<string, unknown> };
    expect(Object.keys(named.properties)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(named.properties, '__proto__')?.value).toEqual({ type: 'number' });
  });

  it('answers a result checked against a smuggled catastrophic pattern at once, without blocking the event loop', async () => {
    const bridge = await connect();
    const { result, stallMs } = await longestStall(() => run(bridge, 'red__smuggled_pattern'));
    expect(result).toMatchObject({ status: 'fulfilled', value: JSON.stringify({ x: `${'a'.repeat(40)}!` }) });
    expect(stallMs).toBeLessThan(1_000);
  });

  it('bounds a check whose cost is exponential (anyOf over a recursive $ref) by the call budget, off the main thread', async () => {
    const bridge = await connect(1_500);
    const { result, stallMs } = await longestStall(() => run(bridge, 'red__exponential'));
    expect(result.status).toBe('rejected');
    expect(AgentrtError.isInstance((result as PromiseRejectedResult).reason) && (result as PromiseRejectedResult).reason.code).toBe('mcp_timeout');
    // Without the worker the check holds the thread for minutes (and then runs out of memory).
    expect(stallMs).toBeLessThan(1_000);
    // The server, the bridge and the checker keep working: a valid and an invalid result are told apart.
    expect(await run(bridge, 'red__checked')).toBe(JSON.stringify({ n: 1 }));
    expect(await run(bridge, 'red__ok')).toBe('fine');
  });
});

describe('red team: JSON-RPC errors under the codes the SDK uses itself', () => {
  it('reports -32000 and -32001 from a live server as mcp_request_failed, keeping the server', async () => {
    const bridge = await connect();
    const pid = bridge.pid;
    await expect(run(bridge, 'red__error_32000')).rejects.toMatchObject({ code: 'mcp_request_failed', details: { rpcCode: -32000 } });
    await expect(run(bridge, 'red__error_32001')).rejects.toMatchObject({ code: 'mcp_request_failed', details: { rpcCode: -32001 } });
    expect(bridge.pid).toBe(pid); // not taken for a lost connection: the server was not restarted
    expect(await run(bridge, 'red__ok')).toBe('fine');
  });

  it('cuts a 1 MB error message from the server', async () => {
    const bridge = await connect();
    const error = (await run(bridge, 'red__error_huge').catch((thrown: unknown) => thrown)) as AgentrtError;
    expect(error).toMatchObject({ code: 'mcp_request_failed', details: { rpcCode: -32603 } });
    expect(error.message.length).toBeLessThan(3_000);
    expect(error.message).toContain('more characters cut');
  });
});
