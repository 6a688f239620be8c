import { contentText, type Message, type ModelRequest, type ModelResponse } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';

interface Hit {
  source: string;
  text: string;
}

const collectHits = (messages: readonly Message[]): Hit[] =>
  messages.flatMap((message) => {
    if (message.role !== 'tool' || message.isError) return [];
    try {
      return JSON.parse(contentText(message.content)) as Hit[];
    } catch {
      return [];
    }
  });

/**
 * The demo's embedded model, used when no provider key or host is set. It is scripted
 * (searches twice, then answers) but its answer is built from what the searches returned,
 * so the trace shows real tool output flowing into the final answer.
 */
export function createScriptedResearcher(): ScriptedModel {
  const usage = (request: ModelRequest, output: number) => ({ inputTokens: JSON.stringify(request.messages).length >> 2, outputTokens: output });
  return new ScriptedModel([
    (request) => ({ ...ScriptedModel.call('search_docs', { query: 'API rate limit requests per minute tier' }), usage: usage(request, 24) }),
    (request) => ({ ...ScriptedModel.call('search_docs', { query: '429 Retry-After backoff retries', limit: 2 }), usage: usage(request, 22) }),
    (request): ModelResponse => {
      const hits = collectHits(request.messages);
      const pick = (pattern: RegExp) => hits.find((hit) => pattern.test(hit.text));
      const table = pick(/\| standard \|/);
      const rows = table ? table.text.split('\n').filter((line) => /^\| (free|standard|enterprise) \|/.test(line)) : [];
      const tiers = rows.map((row) => row.split('|').map((cell) => cell.trim()).filter(Boolean)).map(([tier, rpm, tpm]) => `${tier} ${rpm} RPM / ${tpm} TPM`);
      const retry = pick(/Retry-After/);
      const backoff = pick(/backoff/);
      const lines = [
        tiers.length ? `- Limits per key (rolling 60 s window): ${tiers.join('; ')}.` : '- No tier table was found in the docs.',
        retry ? '- Over the limit the API returns 429 with Retry-After (seconds); wait that long before retrying.' : '',
        backoff ? '- Retry 500/502/503 with exponential backoff and jitter (1 s → 60 s, ≤ 5 attempts); never retry 400/401/403/404.' : '',
        `Sources: ${[...new Set(hits.map((hit) => hit.source))].join(', ')}.`,
      ].filter(Boolean);
      return { message: { role: 'assistant', content: lines.join('\n') }, usage: usage(request, 90), finishReason: 'stop' };
    },
  ], { provider: 'scripted', model: 'scripted-researcher' });
}
