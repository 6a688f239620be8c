/**
 * Mutants 17e (tools-mcp): cases the package's tests did not have, each written to fail a
 * realistic fault the earlier tests let through (see docs/testing.md, "Mutants 17e"), against the
 * hand-written stdio server of the other tests (a real child process).
 */
import { McpBridge, type ToolChange } from '@agentrt/tools-mcp';
import { afterEach, describe, expect, it } from 'vitest';
import { context, fixture, toolOf, until } from './helpers.js';

const bridges: McpBridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
});
const connect = async (options: Parameters<typeof McpBridge.connect>[1] = {}, mode = 'normal', extra: Record<string, unknown> = {}) => {
  const bridge = await McpBridge.connect({ name: 'h', command: process.execPath, args: [fixture('hostile-server.mjs'), mode], ...extra } as never, options);
  bridges.push(bridge);
  return bridge;
};

describe('tools-mcp mutants 17e', () => {
  it('a pinned tool whose definition turns invalid is reported changed, not removed, and stays disabled', async () => {
    const changes: ToolChange[] = [];
    const bridge = await connect({ onToolChanged: (change) => changes.push(change) }, 'invalidate');
    const underscored = toolOf(bridge, 'h__a_b');
    await toolOf(bridge, 'h__invalidate_a_b').execute({}, context().ctx);
    await until(() => changes.length > 0, 10_000, 'the change to be noticed');
    expect(changes).toEqual([{ server: 'h', tool: 'a_b', reason: 'description_or_schema_changed' }]);
    expect(bridge.skipped).toContainEqual(expect.objectContaining({ tool: 'a_b', reason: 'invalid_definition' }));
    await expect(underscored.execute({}, context().ctx)).rejects.toMatchObject({ code: 'mcp_tool_changed', message: expect.stringContaining('description or schema changed') });
  });

  it('a tool listing whose next cursor repeats ends there: two pages, not MAX_LIST_PAGES', async () => {
    const bridge = await connect({}, 'cursor-loop');
    expect(bridge.skipped).not.toContainEqual(expect.objectContaining({ reason: 'duplicate_name' }));
    // Two pages at connect, two before the call (each call re-lists the tools).
    expect(await toolOf(bridge, 'h__listed').execute({}, context().ctx)).toBe('4');
  });

  it('a message of exactly maxMessageBytes is read; one byte more ends the connection', async () => {
    const max = 64 * 1024;
    const bridge = await connect({}, 'exact', { maxMessageBytes: max });
    const exact = toolOf(bridge, 'h__exact');
    expect(((await exact.execute({ bytes: max }, context().ctx)) as string).length).toBeGreaterThan(max - 100);
    await expect(exact.execute({ bytes: max + 1 }, context().ctx)).rejects.toMatchObject({ code: 'mcp_unavailable', message: expect.stringContaining(`larger than ${max} bytes`) });
  });
});
