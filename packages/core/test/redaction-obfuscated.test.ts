// Red team: a secret cut up by what a reader never sees (a colour code or an invisible character
// inside it) or sees decoded (an escape such as \u0043, \x43 or %43 standing for one of its
// characters). A plain scan finds no canary in such text; a terminal, a log viewer or a JSON/URL
// decoder shows it whole (B-50, B-52).
import { createRuntime, defineTool, MemoryStore, Redactor } from '@agentrt/core';
import { ScriptedModel, SECRET_CANARIES } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const hex = (c: string, width: number) => c.charCodeAt(0).toString(16).padStart(width, '0');
/** Ways to cut a secret after its `at`-th character that a reader does not see. */
const OBFUSCATIONS: readonly [string, (secret: string, at: number) => string][] = [
  ['a colour code inside it', (s, at) => `${s.slice(0, at)}\x1b[0m${s.slice(at)}`],
  ['an 8-bit CSI inside it', (s, at) => `${s.slice(0, at)}\x9b1m${s.slice(at)}`],
  ['an OSC hyperlink inside it', (s, at) => `${s.slice(0, at)}\x1b]8;;https://x.example\x1b\\${s.slice(at)}`],
  ['a zero-width space inside it', (s, at) => `${s.slice(0, at)}\u200b${s.slice(at)}`],
  ['a soft hyphen inside it', (s, at) => `${s.slice(0, at)}\u00ad${s.slice(at)}`],
  ['a NUL inside it', (s, at) => `${s.slice(0, at)}\u0000${s.slice(at)}`],
  ['a byte-order mark inside it', (s, at) => `${s.slice(0, at)}\ufeff${s.slice(at)}`],
  // Default-ignorable code points a renderer draws nothing for (ASCII smuggling, emoji selectors, bidi controls).
  ['a tag character inside it', (s, at) => `${s.slice(0, at)}\u{e0020}${s.slice(at)}`],
  ['tag characters spelling text inside it', (s, at) => `${s.slice(0, at)}\u{e0063}\u{e0063}\u{e007f}${s.slice(at)}`],
  ['a variation selector inside it', (s, at) => `${s.slice(0, at)}\ufe0f${s.slice(at)}`],
  ['a supplementary variation selector inside it', (s, at) => `${s.slice(0, at)}\u{e0100}${s.slice(at)}`],
  ['a bidi override inside it', (s, at) => `${s.slice(0, at)}\u202e${s.slice(at)}`],
  ['a bidi isolate inside it', (s, at) => `${s.slice(0, at)}\u2066${s.slice(at)}`],
  ['a Hangul filler inside it', (s, at) => `${s.slice(0, at)}\u3164${s.slice(at)}`],
  ['a combining grapheme joiner inside it', (s, at) => `${s.slice(0, at)}\u034f${s.slice(at)}`],
  ['a Mongolian vowel separator inside it', (s, at) => `${s.slice(0, at)}\u180e${s.slice(at)}`],
  ['one character as \\uXXXX', (s, at) => `${s.slice(0, at)}\\u${hex(s[at]!, 4)}${s.slice(at + 1)}`],
  ['its first character as \\uXXXX', (s) => `\\u${hex(s[0]!, 4)}${s.slice(1)}`],
  ['one character as \\xXX', (s, at) => `${s.slice(0, at)}\\x${hex(s[at]!, 2)}${s.slice(at + 1)}`],
  ['one character as %XX', (s, at) => `${s.slice(0, at)}%${hex(s[at]!, 2).toUpperCase()}${s.slice(at + 1)}`],
];

/** What a reader sees: colour codes and invisible characters gone, one-character escapes decoded. */
const asRead = (text: string) => text
  .replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]/g, '')
  .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\p{Default_Ignorable_Code_Point}]/gu, '')
  .replace(/\\u([0-9A-Fa-f]{4})|\\x([0-9A-Fa-f]{2})|%([0-9A-Fa-f]{2})/g, (_, a?: string, b?: string, c?: string) => String.fromCharCode(parseInt(a ?? b ?? c!, 16)));

const strings = (value: unknown, out: string[] = []): string[] => {
  if (typeof value === 'string') out.push(value);
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) { out.push(key); strings(item, out); }
  return out;
};

const cases = () => SECRET_CANARIES.flatMap((canary) => OBFUSCATIONS.flatMap(([name, cut]) => [3, Math.floor(canary.length / 2), canary.length - 2].map((at) => ({ name, canary, text: cut(canary, at) }))));

describe('red team: secrets cut up by invisible characters and escapes', () => {
  it('finds every canary however it is cut, and masks it from its first to its last character', () => {
    const redactor = new Redactor();
    for (const { name, canary, text } of cases()) {
      for (const around of [text, `log line: ${text} (done)`, `{"out":"${text}"}`]) {
        const out = redactor.text(around);
        expect(asRead(out), `${name}: ${JSON.stringify(around)}`).not.toContain(canary);
        expect(out).toContain('[REDACTED]');
      }
    }
  });

  it('finds a registered secret cut up the same ways', () => {
    const secret = 'hunter2-corp-db-passphrase';
    const redactor = new Redactor({ secrets: [secret] });
    for (const [name, cut] of OBFUSCATIONS) expect(asRead(redactor.text(`db: ${cut(secret, 8)}`)), name).not.toContain(secret);
  });

  it('leaves secret-free text with colour codes, invisible characters and escapes untouched', () => {
    const redactor = new Redactor();
    for (const text of [
      '\x1b[1mBuild\x1b[0m finished: 100% done, task-1234567890abcdef ok',
      'soft\u00adhyphen and zero\u200bwidth words',
      'a heart \u2764\ufe0f, a flag \u{1f3f4}\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f} and a family \u{1f468}\u200d\u{1f469}\u200d\u{1f467}',
      '{"name":"caf\\u00e9","path":"C:\\\\x41\\\\new"}',
      'https://example.com/search?q=hello%20world&page=2',
    ]) expect(redactor.text(text)).toBe(text);
  });

  it('keeps cut-up secrets out of the audit log, the events and the model-visible tool result', async () => {
    const all = cases();
    const leak = defineTool({ name: 'leak', description: 'Returns cut-up secrets', input: z.object({}), execute: () => all.map((c) => c.text).join('\n') });
    const thrower = defineTool({ name: 'thrower', description: 'Throws them', input: z.object({}), execute: () => { throw new Error(all.map((c) => c.text).join(' ')); } });
    const model = new ScriptedModel([ScriptedModel.parallel([{ name: 'leak', args: {} }, { name: 'thrower', args: {} }]), ScriptedModel.answer('ok')]);
    const runtime = createRuntime({ model, store: new MemoryStore(), tools: [leak, thrower], limits: { maxToolOutputChars: 1_000_000 } });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    const audit = (await runtime.exportAudit(result.runId)).split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown);
    // Every string as a reader sees it (JSON decoded first, so escapes inside the strings are what is left).
    const written = strings([audit, await runtime.events(result.runId), model.requests[1]!.messages]).map(asRead).join('\n');
    for (const canary of SECRET_CANARIES) expect(written).not.toContain(canary);
    await runtime.close();
  });
});
