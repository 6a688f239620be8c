import { contentText, type MediaDigest, type RecordedContent, type RunEvent, type RunRecord, type RunResult } from '@agentrt/core';

/**
 * Characters a terminal would act on instead of showing: C0 controls (but newline and tab), DEL,
 * C1 controls (0x9b is an 8-bit CSI), and the bidi and invisible format controls that reorder or
 * hide text (Trojan Source).
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/gu;

/**
 * Makes text safe to print on a terminal: every control character a model, a tool or another
 * store writer could have put in it (escape sequences that set the title, write the clipboard
 * with OSC 52, clear the screen; bidi overrides) is shown as its `\uXXXX` escape instead of being
 * acted on. Newlines and tabs stay. Applied to all the CLI prints, JSON included: inside a JSON
 * string `\uXXXX` is the same character, so the lines still parse to the same values.
 */
export function visible(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `CONTROL` with newline and tab: a pasted command must stay on one line. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/u;

/**
 * One word for a POSIX shell (bash, zsh): as is when plainly safe, else single-quoted, or as
 * `$'…'` with `\uXXXX` escapes when it holds control, bidi or invisible characters. Ids a model
 * or another store writer chose appear in commands the CLI suggests; pasted, they must stay one
 * argument and run nothing.
 */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9._:@%+=,/-]+$/.test(word)) return word;
  if (UNPRINTABLE.test(word)) {
    return `$'${word.replace(/[\\']/g, '\\$&').replace(new RegExp(UNPRINTABLE.source, 'gu'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}'`;
  }
  return `'${word.replace(/'/g, "'\\''")}'`;
}

const flat = (text: string, max: number) => {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
};
const args = (value: unknown) => flat(typeof value === 'string' ? value : JSON.stringify(value) ?? '', 80);
const size = (bytes: number) => (bytes < 1024 ? `${bytes} B` : bytes < 1_048_576 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1_048_576).toFixed(1)} MB`);

/** A media part as one short label: `[image image/png 12.0 KB sha256:3f2a9c1b]` — never its bytes. */
export function mediaLabel(part: MediaDigest): string {
  const bits = [part.type, part.mediaType, part.filename, part.bytes !== undefined ? size(part.bytes) : undefined, part.sha256 ? `sha256:${part.sha256.slice(0, 8)}` : undefined, part.url];
  return `[${bits.filter((bit) => bit !== undefined && bit !== '').join(' ')}]`;
}

/** Recorded content in one line: its text, then a label per image or file part. */
const contentLine = (content: RecordedContent, max: number) => {
  const media = typeof content === 'string' ? [] : content.filter((part): part is MediaDigest => part.type !== 'text');
  return [flat(contentText(content), max), ...media.map(mediaLabel)].filter(Boolean).join(' ');
};

/** One line (or none) per event, as `agentrt trace` shows a run step by step. */
export function traceLine(event: RunEvent): string | undefined {
  const seq = event.seq !== undefined ? `#${String(event.seq).padStart(3, '0')} ` : '';
  switch (event.type) {
    case 'run_started':
      return `${seq}run started · tools: ${event.tools.join(', ') || 'none'}`;
    case 'run_resumed':
      return `${seq}run resumed at step ${event.fromStep + 1}`;
    case 'step_started':
      return `${seq}step ${event.stepIndex + 1}${event.finalize ? ' · finalize (a best answer after the limit, no tools)' : ''}`;
    case 'limit_reached':
      return `${seq}limit     ${event.stopReason}: ${flat(event.detail, 100)}`;
    case 'finalize_failed':
      return `${seq}  finalize  failed ${event.code}: ${flat(event.message, 100)} (the run ends ${event.stopReason})`;
    case 'model_request':
      return `${seq}  context   ${event.messageCount} of ${event.historyMessages} message(s) sent${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
    case 'model_response': {
      const calls = event.message.toolCalls ?? [];
      const thought = event.message.reasoning?.reduce((sum, part) => sum + part.text.length, 0);
      return `${seq}  decide    ${thought ? `(reasoned ${thought} chars) ` : ''}${calls.length ? calls.map((c) => `${c.name}(${args(c.args)}) [${c.id}]`).join(', ') : `answer: ${flat(event.message.content, 100)}`} · ${event.usage.inputTokens}+${event.usage.outputTokens} tokens`;
    }
    case 'tool_finished': {
      const text = contentLine(event.content, 100);
      // Error results usually start with their code already (`tool_cancelled: …`): not twice.
      const code = event.isError && event.code && !text.startsWith(`${event.code}:`) ? `${event.code}: ` : '';
      return `${seq}  act       ${event.name} → ${code}${text}${event.replayed ? ' (replayed)' : ''}`;
    }
    case 'tool_denied':
    case 'tool_rejected':
      return `${seq}  refused   ${event.name}: ${event.code} — ${flat(event.reason, 80)}`;
    case 'approval_requested':
      return `${seq}  approval  needed for ${event.approvals.map((a) => `${a.tool}(${args(a.args)}) [${a.toolCallId}]`).join(', ')}`;
    case 'approval_decided':
      return `${seq}  approval  ${event.toolCallId}: ${event.decision}${event.reason ? ` (${event.reason})` : ''}`;
    case 'step_finished':
      return `${seq}  state     step ${event.stepIndex + 1} committed · ${event.finalize ? 'finalize answer' : `${event.toolCalls} tool call(s)`}`;
    case 'loop_warning':
      return `${seq}  warning   ${event.name} repeated ${event.repeats} times`;
    case 'model_retry':
      return `${seq}  retry     ${event.code} · attempt ${event.attempt} · waited ${event.delayMs} ms`;
    case 'run_killed':
      return `${seq}killed (${event.scope}): ${event.reason}`;
    case 'run_error':
      return `${seq}error ${event.code}: ${flat(event.message, 120)}`;
    case 'run_paused':
    case 'run_finished':
      return `${seq}${summary(event.result)}`;
    default:
      return undefined;
  }
}

/** The closing line of a run. */
export function summary(result: RunResult<unknown>): string {
  const cost = result.usage.costUsd ? ` · $${result.usage.costUsd.toFixed(4)}` : '';
  return `stop: ${result.stopReason}${result.stopDetail ? ` (${flat(result.stopDetail, 100)})` : ''} · ${result.steps} steps · ${result.toolCalls} tool calls · ${result.usage.inputTokens + result.usage.outputTokens} tokens${cost}`;
}

/** One row of `agentrt runs`. */
export function runRow(run: RunRecord): string {
  const stop = run.result?.stopReason ?? '-';
  return [run.runId.padEnd(38), run.status.padEnd(10), stop.padEnd(18), String(run.stepCount).padStart(5), run.createdAt].join('  ');
}
