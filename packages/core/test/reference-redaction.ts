// The redaction detectors, pre-check and colour-code pass as they were before 92635d9, kept as the
// reference the rewritten ones (literal first, boundary checked behind it; a pre-check entered at rare
// characters) are checked against: on any text without registered secrets or PEM blocks, the
// redactor must mask exactly what this masks.
//
// Since the free-text round (key names in any case, header lines, NFKC forms, `@` in URL passwords)
// the newer rules are written here as plain character-by-character scanners from their description
// in docs/governance.md, sharing nothing with the redactor's regexes.
import { REDACTED } from '@agentrt/core';

const START = String.raw`(?:(?<![A-Za-z0-9_])|(?<=\\[nrtbf])|(?<=\\u[0-9A-Fa-f]{4}))`;
const RUN_START = String.raw`(?:(?<![A-Za-z0-9_-])|(?<=\\[nrtbf])|(?<=\\u[0-9A-Fa-f]{4}))`;
// Prefixed keys (`sk-`, `AKIA`) start after `_` too (`call_sk-proj-…`, docs/governance.md).
const KEY_START = String.raw`(?:(?<![A-Za-z0-9])|(?<=\\[nrtbf])|(?<=\\u[0-9A-Fa-f]{4}))`;
const ref = (source: string, flags: string, group = 0, unquote = false) => ({ re: new RegExp(source, `${flags}gd`), group, unquote });
const REFERENCE = [
  ref(`${KEY_START}(?:sk|rk|pk)-[A-Za-z0-9_-]{12,}`, ''),
  ref(`${KEY_START}(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])`, ''),
  ref(`gh[pousr]_[A-Za-z0-9]{20,}`, ''),
  ref(`github_pat_[A-Za-z0-9_]{20,}`, ''),
  ref(`tvly-[A-Za-z0-9_-]{8,}`, ''),
  ref(`xox[abprs]-[A-Za-z0-9-]{10,}`, ''),
  ref(`AIza[0-9A-Za-z_-]{30,}`, ''),
  ref(`${RUN_START}eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}`, ''),
  ref(`${START}(?:Bearer|Basic)\\s+([A-Za-z0-9._~+/=-]{8,})`, 'i', 1),
  ref(`[?&#](?:key|api[-_]?key|apikey|token|access[-_]?token|auth|secret|password|passwd|sig|signature|client[-_]?secret)=([^&\\s#"'\\\\]+)`, 'i', 1),
  ref(`${START}[A-Z0-9_]{0,64}?(?:SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?)[A-Z0-9_]{0,64}\\s*[=:]\\s*("[^"\\n]{0,256}"|'[^'\\n]{0,256}'|["']?[^\\s,;&"'\\\\]+)`, '', 1, true),
  ref(`\\\\?["']?(?:password|passwd|secret|token|api[-_]?key|authorization)\\\\?["']?\\s*[:=]\\s*(\\\\?"[^"\\n]{1,256}?\\\\?"|'[^'\\n]{1,256}')`, 'i', 1, true),
];
const OLD_CANDIDATE = /PRIVATE KEY|[srp]k-|AKIA|ASIA|gh[pousr]_|github_pat_|tvly-|xox[abprs]-|AIza|eyJ|bearer|basic|[?&#][a-z_-]+=|:\/\/[^/\s]*@|secret|token|passw|api_?-?key|access_?-?key|private_?-?key|credential|authorization/i;
const TERMINAL_ESCAPE = /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]/g;

function referenceSpans(text: string, out: [number, number][], offset = 0): void {
  const found: [number, number][] = [];
  assignmentSpans(text, found);
  headerLineSpans(text, found);
  userinfoSpans(text, found);
  for (const [start, end] of found) out.push([start + offset, end + offset]);
  if (!OLD_CANDIDATE.test(text)) return;
  for (const { re, group, unquote } of REFERENCE) {
    re.lastIndex = 0;
    for (let match = re.exec(text); match; match = re.exec(text)) {
      if (match[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      let start = match.index;
      let end = start + match[0].length;
      if (group > 0) {
        const at = match.indices?.[group];
        if (!at) continue;
        [start, end] = at;
        if (unquote) {
          const inner = text.slice(start, end);
          const open = /^\\?["']/.exec(inner)?.[0].length ?? 0;
          const close = open > 0 ? (/\\?["']$/.exec(inner.slice(open))?.[0].length ?? 0) : 0;
          start += open;
          end -= close;
        }
      }
      if (end > start) out.push([start + offset, end + offset]);
    }
  }
}

/** What the redactor masked before 92635d9 (no registered secrets; PEM blocks are not covered). */
export function referenceRedact(text: string): string {
  const spans: [number, number][] = [];
  {
    referenceSpans(text, spans);
    if (text.includes('\x1b') || text.includes('\x9b')) {
      let from = 0;
      TERMINAL_ESCAPE.lastIndex = 0;
      for (let m = TERMINAL_ESCAPE.exec(text); m; m = TERMINAL_ESCAPE.exec(text)) {
        if (m[0].length === 0) {
          TERMINAL_ESCAPE.lastIndex++;
          continue;
        }
        if (m.index > from) referenceSpans(text.slice(from, m.index), spans, from);
        from = m.index + m[0].length;
      }
      if (text.length > from) referenceSpans(text.slice(from), spans, from);
    }
  }
  // Since the readable-view pass: the text as a reader sees it (colour codes and invisible
  // characters dropped, \uXXXX, \xXX and %XX decoded) is scanned too, spans mapped back.
  const readable = readableReference(text);
  if (readable.text !== text) {
    const found: [number, number][] = [];
    referenceSpans(readable.text, found);
    for (const [start, end] of found) spans.push([readable.from[start]!, readable.to[end - 1]!]);
  }
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && span[0] < last[1]) last[1] = Math.max(last[1], span[1]);
    else if (span[1] > span[0]) merged.push([span[0], span[1]]);
  }
  let out = '';
  let at = 0;
  for (const [start, end] of merged) {
    if (end <= at) continue;
    if (start > at) out += text.slice(at, start);
    out += REDACTED;
    at = end;
  }
  return at < text.length ? out + text.slice(at) : out;
}

/** The readable form of a text, written plainly: one token of the original at a time. */
function readableReference(text: string): { text: string; from: number[]; to: number[] } {
  // Since the free-text round: a character (a surrogate pair is one) is read in its NFKC form.
  const token = new RegExp(`(${TERMINAL_ESCAPE.source})|([\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u00ad\\u200b-\\u200f\\u2060-\\u2064\\ufeff])|\\\\u([0-9A-Fa-f]{4})|\\\\x([0-9A-Fa-f]{2})|%([0-9A-Fa-f]{2})|([\\uD800-\\uDBFF][\\uDC00-\\uDFFF]|[\\s\\S])`, 'gy');
  let out = '';
  const from: number[] = [];
  const to: number[] = [];
  for (let m = token.exec(text); m; m = token.exec(text)) {
    if (m[1] !== undefined || m[2] !== undefined) continue;
    const hex = m[3] ?? m[4] ?? m[5];
    const read = (hex !== undefined ? String.fromCharCode(parseInt(hex, 16)) : m[6]!).normalize('NFKC');
    out += read;
    for (let i = 0; i < read.length; i++) {
      from.push(m.index);
      to.push(m.index + m[0].length);
    }
  }
  return { text: out, from, to };
}

// ---------------------------------------------------------------------------------------------
// The free-text rules, scanned by hand.
// ---------------------------------------------------------------------------------------------

const isSpaceOrTab = (c: string | undefined) => c === ' ' || c === '\t';
const isAsciiLetter = (c: string | undefined) => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isAsciiDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isAsciiLetterOrDigit = (c: string | undefined) => isAsciiLetter(c) || isAsciiDigit(c);
const isWhitespace = (c: string | undefined) => c !== undefined && c.trim() === '' ;
const isQuote = (c: string | undefined) => c === '"' || c === "'";
/** Lower-cases A–Z only (`toLowerCase` would turn the Kelvin sign into `k`). */
const asciiLower = (s: string) => { let out = ''; for (const c of s) out += c >= 'A' && c <= 'Z' ? String.fromCharCode(c.charCodeAt(0) + 32) : c; return out; };
const isHex = (s: string) => s.length > 0 && [...s].every((c) => isAsciiDigit(c) || (asciiLower(c) >= 'a' && asciiLower(c) <= 'f'));

/** Characters that end a credential-like value; its first character may also not be `=` or `:`. */
const VALUE_STOP = '"\'`\\,;&<>()[]{}|';
const inValue = (c: string | undefined) => c !== undefined && !isWhitespace(c) && !VALUE_STOP.includes(c);
const startsValue = (c: string | undefined) => inValue(c) && c !== '=' && c !== ':';

/** Last words of secret key names (any case); `auth` only right after `_`. */
const KEY_WORDS: string[] = ['secret', 'token', 'password', 'passwd', 'passphrase', 'credential', 'credentials', 'signature', 'cookie', 'authorization'];
for (const head of ['api', 'access', 'private', 'secret', 'client', 'master', 'signing', 'encryption', 'subscription']) {
  for (const join of ['', '-', '_', '.']) KEY_WORDS.push(`${head}${join}key`);
}

/** A key word may begin at `at`: text start, after a non-letter/digit, after `\n`-style or `\uXXXX` escapes, or at a camel hump. */
function keyWordMayStart(text: string, at: number): boolean {
  if (at === 0) return true;
  const before = text[at - 1]!;
  if (!isAsciiLetterOrDigit(before)) return true;
  if (at >= 2 && text[at - 2] === '\\' && 'nrtbf'.includes(before)) return true;
  if (at >= 6 && text[at - 6] === '\\' && text[at - 5] === 'u' && isHex(text.slice(at - 4, at))) return true;
  return ((before >= 'a' && before <= 'z') || isAsciiDigit(before)) && text[at]! >= 'A' && text[at]! <= 'Z';
}

/** The key word that ends at `end` (exclusive), if any. */
function keyWordEndingAt(text: string, end: number): string | undefined {
  for (const word of KEY_WORDS) {
    const at = end - word.length;
    if (at >= 0 && asciiLower(text.slice(at, end)) === word && keyWordMayStart(text, at)) return word;
  }
  if (end >= 5 && asciiLower(text.slice(end - 5, end)) === '_auth') return '_auth';
  return undefined;
}

/** The credential test, as docs/governance.md states it. */
function credentialLike(value: string, after: string | undefined): boolean {
  if (value.length < 6 || after === '(') return false;
  if (value.length > 64) return true;
  if (![...value].some(isAsciiLetterOrDigit)) return false;
  if ([...value].every((c) => isAsciiDigit(c) || '.,:_/+%-'.includes(c))) return false;
  if (value[0] === '$' && value.length > 1 && !isAsciiDigit(value[1]) && [...value.slice(1)].every((c) => isAsciiLetterOrDigit(c) || c === '_')) return false;
  // Word-like: letters only, in parts split at . _ - that are each lower, upper, or camel/Pascal case.
  const parts = value.split(/[._-]/);
  const wordPart = (part: string) => {
    if (part.length === 0 || ![...part].every(isAsciiLetter)) return false;
    if (part === part.toUpperCase()) return true;
    // Camel/Pascal: no two upper-case letters in a row, and no upper-case letter last.
    for (let i = 1; i < part.length; i++) if (part[i]! <= 'Z' && (part[i - 1]! <= 'Z' || i === part.length - 1)) return false;
    return true;
  };
  return !parts.every(wordPart);
}

/** `key = value` / `key: value` in free text (the value credential-like). */
function assignmentSpans(text: string, out: [number, number][]): void {
  for (let sep = 0; sep < text.length; sep++) {
    if (text[sep] !== ':' && text[sep] !== '=') continue;
    let end = sep;
    while (isSpaceOrTab(text[end - 1])) end--;
    // A key may be closed by a quote (with any backslashes before it: JSON, JSON in JSON) and then a `]`.
    if (text[end - 1] === ']') end--;
    if (isQuote(text[end - 1])) {
      end--;
      while (text[end - 1] === '\\') end--;
    }
    const word = keyWordEndingAt(text, end);
    if (!word) continue;
    let at = sep + 1;
    if (text[at] === '=' || text[at] === '>') at++;
    while (isSpaceOrTab(text[at])) at++;
    let quote = at;
    while (text[quote] === '\\') quote++;
    if (isQuote(text[quote])) at = quote + 1;
    if (word === 'authorization' && isAsciiLetter(text[at])) {
      // An auth scheme (`Token abc…`) is skipped when spaces and a value follow it.
      let after = at + 1;
      while (isAsciiLetterOrDigit(text[after]) || text[after] === '-') after++;
      if (isSpaceOrTab(text[after])) {
        while (isSpaceOrTab(text[after])) after++;
        if (startsValue(text[after])) at = after;
      }
    }
    if (!startsValue(text[at])) continue;
    let stop = at + 1;
    while (inValue(text[stop])) stop++;
    if (credentialLike(text.slice(at, stop), text[stop])) out.push([at, stop]);
  }
}

/** Whether `name` (a run of letters, digits and hyphens) names a header whose value is a secret. */
function secretHeaderName(name: string): boolean {
  const lower = asciiLower(name);
  for (const word of ['authorization', 'cookie']) {
    if (lower === word || lower.endsWith(`-${word}`)) return true;
  }
  if (lower === 'apikey') return true;
  return ['key', 'token', 'secret', 'signature', 'password', 'credential', 'credentials', 'apikey'].some((word) => lower.endsWith(`-${word}`));
}

/** `Authorization: …`, `Cookie: …`, `X-Api-Key: …` at the start of a line: the value to the line's end. */
function headerLineSpans(text: string, out: [number, number][]): void {
  for (let colon = 0; colon < text.length; colon++) {
    if (text[colon] !== ':') continue;
    let end = colon;
    while (isSpaceOrTab(text[end - 1])) end--;
    let run = end;
    while (run > 0 && (isAsciiLetterOrDigit(text[run - 1]) || text[run - 1] === '-')) run--;
    // The name is the whole run, or — right after an escaped line break, whose `n` the run took in — the rest of it.
    const starts = text[run - 1] === '\\' && (text[run] === 'n' || text[run] === 'r') ? [run, run + 1] : [run];
    let kind: 'raw' | 'json' | undefined;
    for (const start of starts) {
      if (start === end || !secretHeaderName(text.slice(start, end))) continue;
      let line = start;
      while (isSpaceOrTab(text[line - 1])) line--;
      if (text[line - 1] === '<' || text[line - 1] === '>') {
        line--;
        while (isSpaceOrTab(text[line - 1])) line--;
      }
      if (line === 0 || text[line - 1] === '\n' || text[line - 1] === '\r') kind = 'raw';
      else if (text[line - 1] === '"' || (line >= 2 && text[line - 2] === '\\' && (text[line - 1] === 'n' || text[line - 1] === 'r'))) kind = 'json';
      if (kind) break;
    }
    if (!kind) continue;
    const raw = kind === 'raw';
    let at = colon + 1;
    while (isSpaceOrTab(text[at])) at++;
    let stop = at;
    if (raw) {
      if (at >= text.length || isWhitespace(text[at])) continue;
      while (stop < text.length && text[stop] !== '\n' && text[stop] !== '\r') stop++;
    } else {
      // A JSON string: up to its closing quote or an escaped line break; `\x` escapes are kept whole.
      for (;;) {
        const c = text[stop];
        if (c === undefined || c === '"' || c === '\n' || c === '\r') break;
        if (c === '\\') {
          const next = text[stop + 1];
          if (next === undefined || 'nr\r\n'.includes(next)) break;
          stop += 2;
          continue;
        }
        if (stop === at && isWhitespace(c)) break;
        stop++;
      }
    }
    if (stop > at) out.push([at, stop]);
  }
}

/** `scheme://user:password@host`: the password runs to the last `@` before the host part ends (`/`, whitespace, a quote). */
function userinfoSpans(text: string, out: [number, number][]): void {
  const endsAuthority = (c: string | undefined) => c === undefined || c === '/' || isWhitespace(c) || isQuote(c);
  for (let at = text.indexOf('://'); at >= 0; at = text.indexOf('://', at + 1)) {
    let colon = at + 3;
    while (!endsAuthority(text[colon]) && text[colon] !== ':') colon++;
    if (text[colon] !== ':') continue;
    let end = colon + 1;
    while (!endsAuthority(text[end])) end++;
    const last = text.lastIndexOf('@', end - 1);
    if (last > colon + 1) out.push([at + 3, last]);
  }
}
