import { createRuntime, defineTool } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';

export async function toolCallCounts() {
  const ran: number[] = [];
  const fetchPage = defineTool({ name: 'fetch_page', description: 'Fetches a page', input: z.object({ page: z.number() }), execute: ({ page }) => { ran.push(page); return `page ${page}`; } });
  // The model asks for 4 calls at once; the run allows 3.
  const model = new ScriptedModel([ScriptedModel.parallel([1, 2, 3, 4].map((page) => ({ name: 'fetch_page', args: { page } })))]);
  const result = await createRuntime({ model, tools: [fetchPage], limits: { maxToolCalls: 3 } }).run('Read pages 1 to 4');
  // stopReason 'max_tool_calls', toolCalls 3 (never above the limit), toolCallsRefused 1;
  // page 4 was not fetched: its call got a synthetic tool_denied result.
  return { result, ran };
}
