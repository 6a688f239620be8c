import { contentText, type RunEvent } from '@agentrt/core';

const short = (text: string, max = 110) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** Formats run events as the seed's step-by-step execution trace. Returns '' for events not shown. */
export function formatEvent(event: RunEvent): string {
  switch (event.type) {
    case 'run_started':
      return `run ${event.runId.slice(0, 8)} started · tools: ${event.tools.join(', ')}`;
    case 'step_started':
      return `\nstep ${event.stepIndex + 1}`;
    case 'model_request':
      return `  context  ${event.messageCount} message(s) sent of ${event.historyMessages} in history${event.repairedPairs ? ` (${event.repairedPairs} pairing fixes)` : ''}`;
    case 'model_response': {
      const calls = event.message.toolCalls ?? [];
      const decision = calls.length
        ? calls.map((call) => `call ${call.name}(${short(typeof call.args === 'string' ? call.args : JSON.stringify(call.args), 70)})`).join(', ')
        : `final answer (${event.message.content.length} chars)`;
      return `  decide   ${decision} · ${event.usage.inputTokens}+${event.usage.outputTokens} tokens`;
    }
    case 'tool_finished': {
      let summary = short(contentText(event.content), 90);
      try {
        const hits = JSON.parse(contentText(event.content)) as { source: string }[];
        if (Array.isArray(hits)) summary = `${hits.length} passage(s): ${hits.map((hit) => hit.source).join(', ')}`;
      } catch {
        // not JSON: show the text
      }
      return `  act      ${event.name} → ${event.isError ? `error ${event.code}: ` : ''}${summary} (${event.durationMs} ms)`;
    }
    case 'tool_denied':
    case 'tool_rejected':
      return `  act      ${event.name} refused: ${event.code}`;
    case 'step_finished':
      return `  state    step ${event.stepIndex + 1} committed · ${event.toolCalls} tool call(s)`;
    case 'run_finished':
    case 'run_paused': {
      const r = event.result;
      return `\nstop: ${r.stopReason}${r.stopDetail ? ` (${r.stopDetail})` : ''} · ${r.steps} steps · ${r.toolCalls} tool calls · ${r.usage.inputTokens + r.usage.outputTokens} tokens · $${r.usage.costUsd.toFixed(4)}`;
    }
    default:
      return '';
  }
}
