import { contentText, type MediaDigest, type RecordedContent, type RunEvent, type RunRecord, type RunResult } from '@agentrt/core';

/**
 * Characters a terminal would act on or a reader would not see: every control (C0 and C1, but
 * newline and tab; 0x9b is an 8-bit CSI), format character (bidi overrides and isolates — Trojan
 * Source —, zero-width characters, the soft hyphen, tag characters U+E0000–E007F that spell
 * invisible ASCII), line and paragraph separator, and default-ignorable code point (word joiners,
 * Hangul fillers, variation selectors: a run of them after one letter can encode any bytes). The
 * console escapes the same set.
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;
const HIDDEN_OR_SPACE = /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\s]$/u;

/**
 * Whether the hidden character `c` at `at` in `all` stays as it is: newline and tab, and a single
 * emoji presentation selector (U+FE0E, U+FE0F) right after a visible character, so ❤️ stays a heart.
 */
function kept(c: string, at: number, all: string, keepLines: boolean): boolean {
  if (c === '\n' || c === '\t') return keepLines;
  if (c !== '\ufe0e' && c !== '\ufe0f') return false;
  const before = at > 1 && (all.charCodeAt(at - 1) & 0xfc00) === 0xdc00 ? all.slice(at - 2, at) : all.slice(Math.max(0, at - 1), at);
  return before !== '' && !HIDDEN_OR_SPACE.test(before);
}

/** `\uXXXX` per UTF-16 unit: inside a JSON string the same character (a tag character is a surrogate pair of escapes). */
const unitEscapes = (c: string) => {
  let out = '';
  for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
};

/**
 * Makes text safe to print on a terminal: every character a model, a tool or another store writer
 * could have put in it to act on the terminal (escape sequences that set the title, write the
 * clipboard with OSC 52, clear the screen) or to hide or reorder what a reader sees (bidi
 * overrides, tag characters, invisible characters) is shown as its `\uXXXX` escape instead.
 * Newlines, tabs and an emoji's presentation selector stay. Applied to all the CLI prints, JSON
 * included: inside a JSON string `\uXXXX` is the same character, so the lines still parse to the
 * same values.
 */
export function visible(text: string): string {
  return text.replace(HIDDEN, (c: string, at: number, all: string) => (kept(c, at, all, true) ? c : unitEscapes(c)));
}

/**
 * One word for a POSIX shell (bash, zsh): as is when plainly safe, else single-quoted, or as
 * `$'…'` with `\xHH` escapes of their UTF-8 bytes when it holds control, bidi or invisible characters (newline and tab too: a pasted command must stay on one line). Ids a model
 * or another store writer chose appear in commands the CLI suggests; pasted, they must stay one
 * argument and run nothing.
 */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9._:@%+=,/-]+$/.test(word)) return word;
  let hidden = false;
  // Backslashes and quotes escaped first: they are visible, so a selector after one stays kept.
  const escaped = word.replace(/[\\']/g, '\\$&').replace(HIDDEN, (c: string, at: number, all: string) => {
    if (kept(c, at, all, false)) return c;
    hidden = true;
    // Its UTF-8 bytes as `\\xHH`: bash and zsh make those bytes in any locale (`\\uXXXX` is
    // dropped or left as text outside a UTF-8 one), so the pasted id is the id byte for byte.
    let bytes = '';
    for (const byte of Buffer.from(c, 'utf8')) bytes += `\\x${byte.toString(16).padStart(2, '0')}`;
    return bytes;
  });
  return hidden ? `$'${escaped}'` : `'${word.replace(/'/g, "'\\''")}'`;
}

const flat = (text: string, max: number) => {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
};
const args = (value: unknown) => flat(typeof value === 'string' ? value : JSON.stringify(value) ?? '', 80);
const size = (bytes: number) => (bytes < 1024 ? `${bytes} B` : bytes < 1_048_576 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1_048_576).toFixed(1)} MB`);

/** A string a part carries (media type, file name, url) as one line of at most `max` characters. */
const bit = (text: unknown, max: number) => (typeof text === 'string' ? flat(text, max) : undefined);

/**
 * A media part as one short label: `[image image/png 12.0 KB sha256:3f2a9c1b]` — never its bytes.
 * Every string in it is put on one line and cut (a 10 KB file name, or one with a newline that
 * would print as a forged trace line, stays inside the label); a url is marked as not fetched.
 */
export function mediaLabel(part: MediaDigest): string {
  const bits = [part.type === 'file' ? 'file' : 'image', bit(part.mediaType, 60), bit(part.filename, 80), typeof part.bytes === 'number' ? size(part.bytes) : undefined,
    typeof part.sha256 === 'string' ? `sha256:${flat(part.sha256, 64).slice(0, 8)}` : undefined, typeof part.url === 'string' ? `url ${flat(part.url, 100)} (not fetched)` : undefined];
  return `[${bits.filter((b) => b !== undefined && b !== '').join(' ')}]`;
}

const mediaParts = (content: RecordedContent) => (typeof content === 'string' || !Array.isArray(content) ? [] : content.filter((part): part is MediaDigest => part?.type === 'image' || part?.type === 'file'));

/** Recorded content in one line: its text, then a label per image or file part. */
const contentLine = (content: RecordedContent, max: number) => [flat(contentText(content), max), ...mediaParts(content).map(mediaLabel)].filter(Boolean).join(' ');

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
      const media = mediaParts(event.content);
      // One line per image or file part, under the call: what it is, never its bytes.
      const partLines = media.length > 0 ? media.map((part, index) => `\n${' '.repeat(seq.length)}            part ${index + 1} of ${media.length}: ${mediaLabel(part)}`).join('') : '';
      return `${seq}  act       ${event.name} → ${code}${media.length > 0 ? flat(contentText(event.content), 100) || `${media.length} media part(s)` : text}${event.replayed ? ' (replayed)' : ''}${partLines}`;
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

/**
 * The steps a run has taken, as its result counts them: a finalize call after a limit stop is
 * committed as one more record (`stepCount` N + 1) but is not a step (`RunResult.steps` N), so a
 * run that has a result shows that; a running one its committed records.
 */
export function shownSteps(run: RunRecord): number {
  return run.status !== 'running' && typeof run.result?.steps === 'number' ? run.result.steps : run.stepCount;
}

/** One row of `agentrt runs`. */
export function runRow(run: RunRecord): string {
  const stop = run.result?.stopReason ?? '-';
  return [run.runId.padEnd(38), run.status.padEnd(10), stop.padEnd(18), String(shownSteps(run)).padStart(5), run.createdAt].join('  ');
}
