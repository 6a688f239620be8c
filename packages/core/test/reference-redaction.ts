// The redaction detectors, pre-check and colour-code pass as they were before 92635d9, kept as the
// reference the rewritten ones (literal first, boundary checked behind it; a pre-check entered at rare
// characters) are checked against: on any text without registered secrets or PEM blocks, the
// redactor must mask exactly what this masks.
import { REDACTED } from '@agentrt/core';

const START = String.raw`(?:(?<![A-Za-z0-9_])|(?<=\\[nrtbf])|(?<=\\u[0-9A-Fa-f]{4}))`;
const RUN_START = String.raw`(?:(?<![A-Za-z0-9_-])|(?<=\\[nrtbf])|(?<=\\u[0-9A-Fa-f]{4}))`;
const ref = (source: string, flags: string, group = 0, unquote = false) => ({ re: new RegExp(source, `${flags}gd`), group, unquote });
const REFERENCE = [
  ref(`${START}(?:sk|rk|pk)-[A-Za-z0-9_-]{12,}`, ''),
  ref(`${START}(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9_])`, ''),
  ref(`gh[pousr]_[A-Za-z0-9]{20,}`, ''),
  ref(`github_pat_[A-Za-z0-9_]{20,}`, ''),
  ref(`tvly-[A-Za-z0-9_-]{8,}`, ''),
  ref(`xox[abprs]-[A-Za-z0-9-]{10,}`, ''),
  ref(`AIza[0-9A-Za-z_-]{30,}`, ''),
  ref(`${RUN_START}eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}`, ''),
  ref(`${START}(?:Bearer|Basic)\\s+([A-Za-z0-9._~+/=-]{8,})`, 'i', 1),
  ref(`[?&#](?:key|api[-_]?key|apikey|token|access[-_]?token|auth|secret|password|passwd|sig|signature|client[-_]?secret)=([^&\\s#"'\\\\]+)`, 'i', 1),
  // An empty user name (`redis://:password@host`) since the readable-view pass.
  ref(`:\\/\\/([^/\\s:@"']*:[^/\\s@"']+)@`, '', 1),
  ref(`${START}[A-Z0-9_]{0,64}?(?:SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?)[A-Z0-9_]{0,64}\\s*[=:]\\s*("[^"\\n]{0,256}"|'[^'\\n]{0,256}'|["']?[^\\s,;&"'\\\\]+)`, '', 1, true),
  ref(`\\\\?["']?(?:password|passwd|secret|token|api[-_]?key|authorization)\\\\?["']?\\s*[:=]\\s*(\\\\?"[^"\\n]{1,256}?\\\\?"|'[^'\\n]{1,256}')`, 'i', 1, true),
];
const OLD_CANDIDATE = /PRIVATE KEY|[srp]k-|AKIA|ASIA|gh[pousr]_|github_pat_|tvly-|xox[abprs]-|AIza|eyJ|bearer|basic|[?&#][a-z_-]+=|:\/\/[^/\s]*@|secret|token|passw|api_?-?key|access_?-?key|private_?-?key|credential|authorization/i;
const TERMINAL_ESCAPE = /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]/g;

function referenceSpans(text: string, out: [number, number][], offset = 0): void {
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
  if (OLD_CANDIDATE.test(text)) {
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
  if (readable.text !== text && OLD_CANDIDATE.test(readable.text)) {
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
  const token = new RegExp(`(${TERMINAL_ESCAPE.source})|([\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u00ad\\u200b-\\u200f\\u2060-\\u2064\\ufeff])|\\\\u([0-9A-Fa-f]{4})|\\\\x([0-9A-Fa-f]{2})|%([0-9A-Fa-f]{2})|([\\s\\S])`, 'gy');
  let out = '';
  const from: number[] = [];
  const to: number[] = [];
  for (let m = token.exec(text); m; m = token.exec(text)) {
    if (m[1] !== undefined || m[2] !== undefined) continue;
    const hex = m[3] ?? m[4] ?? m[5];
    out += hex !== undefined ? String.fromCharCode(parseInt(hex, 16)) : m[6]!;
    from.push(m.index);
    to.push(m.index + m[0].length);
  }
  return { text: out, from, to };
}
