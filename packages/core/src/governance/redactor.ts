import { ConfigError } from '../errors/config-error.js';
import { isShared } from '../util/json-copy.js';

/** Options of the redactor (`createRuntime({ redact })`). */
export interface RedactOptions {
  /** Exact secret strings to remove wherever they appear (API keys you hold, tokens, passwords). */
  readonly secrets?: readonly string[];
  /** Extra key-name patterns whose values are always replaced. */
  readonly keys?: readonly RegExp[];
  /** Extra value patterns to replace (must be global `g` regexes or are made global). */
  readonly patterns?: readonly RegExp[];
  /** Redact tool output before the model sees it (default true). Audit copies are always redacted. */
  readonly toolOutput?: boolean;
}

/** The options `Redactor` takes. */
const REDACT_OPTION_KEYS = new Set<string>(['secrets', 'keys', 'patterns', 'toolOutput']);

/** The replacement text for removed secrets. */
export const REDACTED = '[REDACTED]';

const SECRET_KEY = /pass(word|wd|phrase)?$|^pwd$|secret|token$|^token|api[-_]?key|access[-_]?key|private[-_]?key|client[-_]?key|^key$|[-_]key$|authorization|^auth$|cookie|credential|session[-_]?id/i;

/**
 * Where a token may start: after a non-word character, at the start, or right after an escape
 * sequence of JSON or a string literal (`\n`, `\t`, `\r`, `\b`, `\f`, `\uXXXX`). JSON text turns a
 * newline before a secret into the two characters `\` `n`, and a plain `\b` would then see no
 * word boundary before the secret.
 */
const START = String.raw`(?:(?<![A-Za-z0-9_])|(?<=\\[nrtbf])|(?<=\\u[0-9A-Fa-f]{4}))`;
/**
 * Where a prefixed key (`sk-…`, `AKIA…`) may start: as START, and also right after `_` — an id
 * such as `call_sk-proj-…` or `resp_AKIA…` (snake-case joins, a model-chosen tool call id) must not
 * hide the key it carries. (`-` before one was already a start.)
 */
const KEY_START = String.raw`(?:(?<![A-Za-z0-9])|(?<=\\[nrtbf])|(?<=\\u[0-9A-Fa-f]{4}))`;
/** The same for tokens whose own alphabet includes `-`: they start only where a run of that alphabet starts (one attempt per run). */
const RUN_START = String.raw`(?:(?<![A-Za-z0-9_-])|(?<=\\[nrtbf])|(?<=\\u[0-9A-Fa-f]{4}))`;

/**
 * A built-in detector: a global regex, and which capture group is the secret (0: the whole
 * match). Every pattern runs in time linear in its input (no nested or adjacent unbounded
 * quantifiers that can trade characters, quoted values bounded): redaction runs on text that
 * models, tools and remote servers control, so a quadratic pattern would be a denial of service.
 */
interface Detector {
  readonly re: RegExp;
  readonly group: number;
  /** Strip one pair of surrounding quotes (and a backslash before each) from the masked span. */
  readonly unquote?: boolean;
}

// `d`: match indices, so the masked span is exactly the secret's capture group.
const detector = (source: string, flags: string, group = 0, unquote = false): Detector => ({ re: new RegExp(source, `${flags}gd`), group, unquote });

/** Terminal escape sequences (CSI, 8-bit CSI, OSC, two-character escapes): colour codes end in a letter that would hide a secret's start. */
const TERMINAL_ESCAPE = /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]/g;

/**
 * Characters a reader never sees: control characters (but tab, newline and carriage return, which
 * separate words) and every default-ignorable code point — zero-width and bidi controls, the soft
 * hyphen, variation selectors, tag characters (U+E0000–E007F: "ASCII smuggling"), Hangul fillers,
 * the combining grapheme joiner and the like. A renderer draws nothing for them, so one inside a
 * secret hides it from a plain scan and not from a reader.
 */
const INVISIBLE_CLASS = '[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\p{Default_Ignorable_Code_Point}]';
/**
 * What hides a secret from a plain scan while a reader still sees it: terminal escape sequences,
 * invisible characters (`INVISIBLE_CLASS`), and escapes of one character (`\uXXXX`, `\xXX` as
 * JSON or source text writes them, `%XX` as URLs do).
 */
const OBFUSCATION = new RegExp(`${INVISIBLE_CLASS}|\\\\u[0-9A-Fa-f]{4}|\\\\x[0-9A-Fa-f]{2}|%[0-9A-Fa-f]{2}`, 'u');
/** Anything OBFUSCATION finds, and every non-ASCII character (a compatibility form may be among them). */
const MAYBE_READ_DIFFERENTLY = /[^\x09\x0a\x0d\x20-\x7e]|\\u[0-9A-Fa-f]{4}|\\x[0-9A-Fa-f]{2}|%[0-9A-Fa-f]{2}/;
/** One invisible character (a surrogate pair for a tag character) at `lastIndex`. */
const INVISIBLE = new RegExp(INVISIBLE_CLASS, 'uy');
const ONE_CHAR_ESCAPE = /\\u([0-9A-Fa-f]{4})|\\x([0-9A-Fa-f]{2})|%([0-9A-Fa-f]{2})/y;
const STICKY_TERMINAL_ESCAPE = new RegExp(TERMINAL_ESCAPE.source, 'y');

/**
 * The text as a reader sees it — terminal escape sequences and invisible characters dropped,
 * one-character escapes decoded, compatibility forms replaced by their NFKC form one character at a
 * time (fullwidth `ｓｋ-` is `sk-`) — with, for each of its characters, where it starts and ends in
 * the original. Linear in the input.
 */
function readableView(input: string): { text: string; starts: number[]; ends: number[] } {
  let text = '';
  const starts: number[] = [];
  const ends: number[] = [];
  for (let at = 0; at < input.length;) {
    const code = input.charCodeAt(at);
    if (code === 0x1b || code === 0x9b) {
      STICKY_TERMINAL_ESCAPE.lastIndex = at;
      const escape = STICKY_TERMINAL_ESCAPE.exec(input);
      if (escape && escape[0].length > 0) {
        at += escape[0].length;
        continue;
      }
    }
    INVISIBLE.lastIndex = at;
    if (INVISIBLE.test(input)) {
      // Past the whole character: a tag character or a supplementary variation selector is a surrogate pair.
      at = INVISIBLE.lastIndex;
      continue;
    }
    let char: string;
    let size = 1;
    if (code === 0x5c || code === 0x25) {
      ONE_CHAR_ESCAPE.lastIndex = at;
      const escape = ONE_CHAR_ESCAPE.exec(input);
      if (escape) {
        char = String.fromCharCode(parseInt(escape[1] ?? escape[2] ?? escape[3]!, 16));
        size = escape[0].length;
      } else char = input[at]!;
    } else if (code >= 0xd800 && code <= 0xdbff && at + 1 < input.length && (input.charCodeAt(at + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair is one character (mathematical letters and digits such as U+1D41A are).
      char = input.slice(at, at + 2);
      size = 2;
    } else char = input[at]!;
    // Compatibility forms are read as what they stand for (NFKC): `ｓｋ-…`, `𝐀𝐊𝐈𝐀…`, `\uff53k-…`.
    if (char.charCodeAt(0) >= 0x80) char = compatibilityFold(char);
    text += char;
    for (let i = 0; i < char.length; i++) {
      starts.push(at);
      ends.push(at + size);
    }
    at += size;
  }
  return { text, starts, ends };
}

const NON_ASCII = /[^\x00-\x7f]/;
const foldCache = new Map<string, string>();
/** The NFKC form of one character (memoized: text repeats a few characters endlessly). */
function compatibilityFold(char: string): string {
  let out = foldCache.get(char);
  if (out === undefined) {
    out = char.normalize('NFKC');
    if (foldCache.size < 4_096) foldCache.set(char, out);
  }
  return out;
}
/** Whether NFKC changes the text (fullwidth or other compatibility forms of letters, digits, punctuation or spaces). */
const hasCompatibilityForms = (input: string): boolean => NON_ASCII.test(input) && input.normalize('NFKC') !== input;

/**
 * A token that may start only at START: the literal is matched first and START is checked behind
 * it (`literal(?<=START literal)`), the same matches as `START literal` — but the regex engine can
 * then scan for the literal's characters instead of trying the lookbehinds at every position
 * (50–80× faster on long text without such tokens).
 */
const startingWith = (literal: string, start = START): string => `${literal}(?<=${start}${literal})`;

/** `[Ss][Ee][Cc]…`: a word in any case, without the `i` flag (which would also blur `[a-z]` and `[A-Z]` in the camel-case boundary). */
const anyCase = (word: string): string => word.replace(/[a-z]/g, (c) => `[${c.toUpperCase()}${c}]`);

/**
 * Where a key name's last word may start in free text: after anything but an ASCII letter or digit
 * (`_`, `.`, `-`, a space, a quote, the start), after an escape of JSON, or at a camel-case hump
 * (`clientSecret`, `_authToken`). So `my_secret`, `api.key`, `accessToken` qualify and `mytoken`,
 * `oauth`, `monkey` do not.
 */
const WORD_START = String.raw`(?:(?<![A-Za-z0-9])|(?<=\\[nrtbf])|(?<=\\u[0-9A-Fa-f]{4})|(?<=[a-z0-9])(?=[A-Z]))`;
/**
 * The last word of a key name that holds a secret, in any case, from WORD_START — or `auth` right
 * after `_` (`npm_config__auth`, `MY_AUTH`; a plain `auth` is too common a word to look for).
 */
const SECRET_WORD = `(?:${WORD_START}(?:${[
  'secret', 'token', 'password', 'passwd', 'passphrase', 'credentials?', 'signature', 'cookie', 'authorization',
  '(?:api|access|private|secret|client|master|signing|encryption|subscription)[-_.]?key',
].map((word) => anyCase(word)).join('|')})|_${anyCase('auth')})`;
/** An optional quote around a key or value, also escaped (`\"` in JSON text, `\\\"` in JSON inside JSON). */
const QUOTE = String.raw`(?:\\*["'])?`;
/** What may close a key before its `:`/`=`: a quote, then a `]` (`$config['password'] = …`). */
const KEY_CLOSE = String.raw`${QUOTE}\]?`;
/** A credential-like value: a run without spaces, quotes, backslashes or `,;&<>()[]{}|`; it does not start with `=` or `:`. */
const VALUE_FIRST = String.raw`[^\s"'\x60\\,;&<>()\[\]{}|=:]`;
/** The rest of such a value (sticky; see `detect`). */
const VALUE_REST = /[^\s"'\x60\\,;&<>()[\]{}|]*/y;
/**
 * `name: value` in free text, matched at its `:` or `=` with the key name checked behind it: a
 * closing quote (and `]`) after the key, `:`/`=` (also `:=`, `=>`, `==`), an opening quote, and the value.
 * After an `authorization` key an auth scheme is skipped when a value follows it (`Token abc…`,
 * `Digest …`).
 */
const ASSIGNMENT = String.raw`[:=](?<=${SECRET_WORD}${KEY_CLOSE}[ \t]*[:=])[=>]?[ \t]*${QUOTE}(?:(?<=${anyCase('authorization')}${KEY_CLOSE}[ \t]*[:=][=>]?[ \t]*${QUOTE})[A-Za-z][A-Za-z0-9-]*[ \t]+(?=${VALUE_FIRST}))?(?=${VALUE_FIRST})`;

/** Values up to this long are checked for looking like a word or a number; longer ones are taken as credentials. */
const MAX_PLAIN_VALUE = 64;
/** One `.`/`_`/`-`-separated part of a word-like value: lower case, upper case, or camel/Pascal case. */
const WORD_PART = /^(?:[A-Z]+|[A-Z]?[a-z]+(?:[A-Z][a-z]+)*)$/;

/**
 * Whether the value of a `name=value` / `name: value` in free text looks like a credential: at
 * least 6 characters, not followed by `(` (a call: `token = getToken()`), and — when 64 characters
 * or shorter — with an ASCII letter or digit, not a number (`42`, `1.5`, `12:30`, `2026-11-26`), not
 * word-like (letters only, in `.`/`_`/`-`-separated parts each lower, upper, camel or Pascal case:
 * `required`, `None`, `getToken`, `process.env.TOKEN`, `API_KEY`) and not a `$VARIABLE`.
 */
function looksLikeCredential(value: string, next: string): boolean {
  if (value.length < 6 || next === '(') return false;
  if (value.length > MAX_PLAIN_VALUE) return true;
  if (!/[A-Za-z0-9]/.test(value) || /^[0-9.,:_/+%-]+$/.test(value) || /^\$[A-Za-z_][A-Za-z0-9_]*$/.test(value)) return false;
  return !value.split(/[._-]/).every((part) => WORD_PART.test(part));
}

/**
 * HTTP header names whose whole value is a secret on a header line: `Authorization`,
 * `Proxy-Authorization`, `Cookie`, `Set-Cookie`, and hyphenated names ending in `-Key`, `-Token`,
 * `-Secret`, `-Signature`, `-Password`, `-Credential(s)` or `-ApiKey` (`X-Api-Key`,
 * `X-Auth-Token`, `Private-Token`, `Ocp-Apim-Subscription-Key`), and `ApiKey`.
 */
const HEADER_NAME = `(?:(?:[A-Za-z0-9-]*-)?(?:${anyCase('authorization')}|${anyCase('cookie')})|[A-Za-z0-9-]*-(?:${['key', 'token', 'secret', 'signature', 'password', 'credentials?', 'apikey'].map((word) => anyCase(word)).join('|')})|${anyCase('apikey')})`;
/** Before the header name on its line: spaces, and the `>`/`<` of `curl -v`. */
const HEADER_LEAD = String.raw`[ \t]*(?:[<>][ \t]*)?`;

/** Key names the `NAME_SECRET=value` detector looks for inside an upper-case name. */
const SECRET_NAME = '(?:SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?)';

const DETECTORS: readonly Detector[] = [
  detector(`${startingWith('(?:sk|rk|pk)-', KEY_START)}[A-Za-z0-9_-]{12,}`, ''),
  detector(`${startingWith('(?:AKIA|ASIA)', KEY_START)}[0-9A-Z]{16}(?![A-Za-z0-9])`, ''),
  // Prefixes specific enough to need no boundary: found even glued to a word before them ("keyghp_…").
  detector(`gh[pousr]_[A-Za-z0-9]{20,}`, ''),
  detector(`github_pat_[A-Za-z0-9_]{20,}`, ''),
  detector(`tvly-[A-Za-z0-9_-]{8,}`, ''),
  detector(`xox[abprs]-[A-Za-z0-9-]{10,}`, ''),
  detector(`AIza[0-9A-Za-z_-]{30,}`, ''),
  detector(`${startingWith('eyJ', RUN_START)}[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}`, ''),
  detector(`${startingWith('(?:Bearer|Basic)')}\\s+([A-Za-z0-9._~+/=-]{8,})`, 'i', 1),
  detector(`[?&#](?:key|api[-_]?key|apikey|token|access[-_]?token|auth|secret|password|passwd|sig|signature|client[-_]?secret)=([^&\\s#"'\\\\]+)`, 'i', 1),
  // user:password@ in a URL (anchored at "://", so text without it costs one pass).
  // A password may hold `@` (the last `@` before the host ends it), a user name too (`me@mail.example:pw@host`).
  detector(`:\\/\\/([^/\\s:"']*:[^/\\s"']+)@`, '', 1),
  // NAME_SECRET=value, TOKEN: "value" (bounded name and quoted value; an unterminated quote still redacts what follows it).
  // The key name is found first; the up to 64 name characters before it, from START, are checked behind it.
  detector(`${SECRET_NAME}(?<=${START}[A-Z0-9_]{0,64}${SECRET_NAME})[A-Z0-9_]{0,64}\\s*[=:]\\s*("[^"\\n]{0,256}"|'[^'\\n]{0,256}'|["']?[^\\s,;&"'\\\\]+)`, '', 1, true),
  // "password": "value", also inside JSON that is itself escaped in JSON (\"password\": \"value\"): the
  // quotes before the key name are not part of the secret, so the match starts in the name (entered at
  // one of its rarer characters, the rest checked behind it, as in CANDIDATE).
  detector(`(?:w(?<=passw)(?:ord|d)|cret(?<=secret)|ken(?<=token)|key(?<=api[-_]?key)|zation(?<=authorization))\\\\?["']?\\s*[:=]\\s*(\\\\?"[^"\\n]{1,256}?\\\\?"|'[^'\\n]{1,256}')`, 'i', 1, true),
];

/** A detector tried at one position only (`y`): at a separator KEYED_SEPARATOR found. */
const keyed = (source: string): Detector => ({ re: new RegExp(source, 'yd'), group: 1 });

/**
 * Secrets known by the key name before them in free text, each matched at its `:` or `=` (the
 * key name and what comes before it checked behind it).
 */
const KEYED_DETECTORS: readonly Detector[] = [
  // Header lines (`Authorization: …`, `Cookie: …`, `X-Api-Key: …`): the value to the end of the line.
  // On a line of its own (text start or after a newline, after `> `/`< ` of curl -v), the rest of the line:
  keyed(`:(?<=(?:^|[\\r\\n])${HEADER_LEAD}${HEADER_NAME}[ \\t]*:)[ \\t]*([^\\s][^\\r\\n]*)`),
  // in a JSON string (after an escaped newline or at the string's start), to the string's end or the next escaped newline:
  keyed(`:(?<=(?:\\\\[nr]|")${HEADER_LEAD}${HEADER_NAME}[ \\t]*:)[ \\t]*((?:[^\\s"\\\\]|\\\\[^nr\\r\\n])(?:[^"\\\\\\r\\n]|\\\\[^nr\\r\\n])*)`),
];

/**
 * my_secret=…, api_key: …, clientSecret = "…", npm_config__auth=…, api.key=…, signature=… (any case;
 * YAML, .env, INI, code), matched up to where the value starts; the value must look like a
 * credential (looksLikeCredential).
 */
const ASSIGNMENT_START = new RegExp(ASSIGNMENT, 'y');

/**
 * Every `:` or `=` an ASSIGNMENT or KEYED_DETECTORS match can start at: right after the last word of a key or
 * header name (any case; no boundary checked), a quote and spaces. One case-insensitive scan for
 * the words is far cheaper than trying the detectors' lookbehinds at every `:` and `=` of JSON.
 */
const KEYED_SEPARATOR = /(?:secret|token|passw(?:or)?d|passphrase|credentials?|signature|cookie|authorization|_auth|key)(?:\\*["'])?\]?[ \t]*[:=]/gi;

/** Spans of the built-in detectors in `input`. */
function detect(input: string, out: [number, number][]): void {
  for (const { re, group, unquote } of DETECTORS) collect(input, re, group, unquote ?? false, out);
  KEYED_SEPARATOR.lastIndex = 0;
  // The run of value characters last scanned: a value starting inside it ends where it ends, so
  // separators inside one value (`token:token:token:…`) do not scan it again (quadratic time).
  let runStart = 0;
  let runEnd = 0;
  // Per header detector, where its last value ended: a header inside that value (`"Cookie:\"Cookie:…`)
  // ends where it ends (already masked), and scanning it again would take quadratic time.
  const skip = [0, 0];
  for (let hit = KEYED_SEPARATOR.exec(input); hit; hit = KEYED_SEPARATOR.exec(input)) {
    const at = hit.index + hit[0].length - 1;
    ASSIGNMENT_START.lastIndex = at;
    if (ASSIGNMENT_START.test(input)) {
      const start = ASSIGNMENT_START.lastIndex;
      if (start < runStart || start >= runEnd) {
        VALUE_REST.lastIndex = start;
        VALUE_REST.test(input);
        runStart = start;
        runEnd = VALUE_REST.lastIndex;
      }
      if (looksLikeCredential(input.slice(start, runEnd), input.charAt(runEnd))) out.push([start, runEnd]);
    }
    if (input.charCodeAt(at) !== 0x3a) continue; // header lines need a `:`
    for (let i = 0; i < KEYED_DETECTORS.length; i++) {
      if (at < skip[i]!) continue;
      const { re } = KEYED_DETECTORS[i]!;
      re.lastIndex = at;
      const span = re.exec(input)?.indices?.[1];
      if (!span) continue;
      skip[i] = span[1];
      if (span[1] > span[0]) out.push([span[0], span[1]]);
    }
  }
}

/**
 * The shortest text any built-in detector matches (`?sig=x`, `?key=x`: six characters; every other
 * detector, keyed ones included (`Cookie:x`), needs more). Keep it in sync with DETECTORS: `text()` skips shorter strings.
 */
const MIN_DETECTOR_MATCH = 6;

/**
 * Cheap pre-check, run on the text in lower case: a string that matches none of these fragments
 * case-insensitively cannot match any detector above (nor a PEM block), so the detectors run only
 * on candidates. Keep it in sync with DETECTORS (every detector must require at least one of
 * these fragments). The fragments are
 * `private key`, `[srp]k-`, `akia`, `asia`, `gh[pousr]_`, `github_pat_`, `tvly-`, `xox[abprs]-`,
 * `aiza`, `eyj`, `bearer`, `basic`, `[?&#][a-z_-]+=`, `://…@`, `secret`, `token`, `passw`,
 * `passphrase`, `(-|api|access|private|secret|client|master|signing|encryption|subscription)` +
 * up to two of `-_. ` + `key`, `cookie`, `signature`, `_auth`, `credential`, `authorization`
 * (every keyed rule needs one of them):
 * each is entered at one of its rarer characters (`k`, `_`, `z`, `y`, `w`, …) and the rest is
 * checked behind it, so the regex engine tries the pattern at far fewer positions of ordinary
 * text (about 3× faster than the plain alternation). A fragment entered at a character no other
 * fragment starts with (a plain `auth`, entered at `h` or `u`) doubles the cost on clean text. Lower-casing the text and matching without
 * the `i` flag finds every match the `i` flag would (and, with a few non-ASCII letters that
 * lower-case to ASCII, some more: a wider pre-check only runs the exact detectors more often).
 */
const CANDIDATE = /k(?:-(?<=[srp]k-)|ia(?<=akia)|en(?<=token)|ey(?<=(?:-|api|access|private|secret|client|master|signing|encryption|subscription)[-_. ]{0,2}key)|ie(?<=cookie))|s(?:ia(?<=asia)|phrase(?<=passphrase))|_(?:auth|(?<=gh[pousr]_)|pat_(?<=github_pat_))|vly-(?<=tvly-)|xox[abprs]-|za(?:(?<=aiza)|tion(?<=authorization))|yj(?<=eyj)|b(?:earer|asic)|[?&#][a-z_-]+=|:\/\/[^/\s]*@|cret(?<=secret)|w(?<=passw)|dential(?<=credential)|gnature(?<=signature)/;

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/y;
const PEM_END = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/y;

/** Spans of PEM private keys, from the header to the footer — or to the end of the text when the footer is missing (a cut key is still a key). */
function pemSpans(text: string, out: [number, number][]): void {
  let from = 0;
  for (;;) {
    const begin = text.indexOf('-----BEGIN ', from);
    if (begin < 0) return;
    PEM_BEGIN.lastIndex = begin;
    const header = PEM_BEGIN.exec(text);
    if (!header) {
      from = begin + 11;
      continue;
    }
    const end = text.indexOf('-----END ', begin + header[0].length);
    let stop = text.length;
    if (end >= 0) {
      PEM_END.lastIndex = end;
      const footer = PEM_END.exec(text);
      stop = footer ? end + footer[0].length : end;
    }
    out.push([begin, stop]);
    if (stop >= text.length) return;
    from = stop;
  }
}

/** Sorted, merged spans (overlapping ones join; touching ones stay apart). */
function merge(spans: [number, number][]): [number, number][] {
  if (spans.length === 0) return spans;
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const span of spans) {
    const last = out.at(-1);
    if (last && span[0] < last[1]) last[1] = Math.max(last[1], span[1]);
    else if (span[1] > span[0]) out.push([span[0], span[1]]);
  }
  return out;
}

/** Replaces each span with `[REDACTED]`. */
function mask(text: string, spans: readonly (readonly [number, number])[], from = 0, to = text.length): string {
  let out = '';
  let at = from;
  for (const [start, end] of spans) {
    if (end <= at || start >= to) continue;
    if (start > at) out += text.slice(at, start);
    out += REDACTED;
    at = Math.min(end, to);
  }
  return at < to ? out + text.slice(at, to) : out;
}

/** Deepest level `value()` copies; below it a value is replaced by a marker (no stack overflow on hostile nesting). */
const MAX_VALUE_DEPTH = 200;
/** Strings up to this long have their redaction memoized (see `Redactor.text`), at most `MAX_MEMO_ENTRIES` of them. */
const MAX_MEMO_CHARS = 64;
const MAX_MEMO_ENTRIES = 10_000;
/** Longer strings found clean are remembered (by value, the last `MAX_RECENT_ENTRIES`) up to this many characters each. */
const MAX_RECENT_CHARS = 262_144;
const MAX_RECENT_ENTRIES = 4;
/** Path levels `value()` tracks in an array before it switches to a WeakSet. */
const SHALLOW_PATH = 16;

/** Incremental redaction of streamed text (see `Redactor.textStream`). */
export interface TextStreamRedaction {
  /** Adds streamed text; returns the text that may be shown now (redacted), possibly empty. */
  push(text: string): string;
  /** The stream ended: returns the rest, redacted. */
  end(): string;
}

/**
 * Removes secrets before anything is written or shown: values under secret-looking
 * keys (`*token*`, `*secret*`, `*key*`, `authorization`, `password`, `cookie`, …) at any depth
 * below them, values matching known credential formats (OpenAI/Anthropic/AWS/GitHub/Tavily/Slack
 * /Google keys, bearer tokens, JWTs, PEM private keys — also cut ones without their end line —
 * `?key=` URL params, `user:pass@` URLs — the password up to the last `@` before the host —,
 * `NAME_SECRET=…` assignments, `"password": "…"`) and every secret the user registers (also in
 * its JSON-escaped form). Object keys are redacted too.
 *
 * In free text, secrets known by their key are found too:
 * - `name=value` / `name: value` in any case (YAML, .env, INI, code, logs; also `:=`, `=>`, quoted
 *   names and values) whose name ends in a secret word — `secret`, `token`, `password`, `passwd`,
 *   `passphrase`, `credential(s)`, `signature`, `cookie`, `authorization`, `api`/`access`/`private`
 *   /`secret`/`client`/`master`/`signing`/`encryption`/`subscription` + `key`, or `auth` after `_` —
 *   that starts the name or follows a non-letter or a camel-case hump (`my_secret`, `clientSecret`,
 *   `api.key`, `npm_config__auth`; not `mytoken`, `oauth`, `token_count`). Only a value that looks
 *   like a credential is masked (see `looksLikeCredential`: 6+ characters without spaces, not a
 *   call, number, word-like identifier or `$VARIABLE`), so `the token count: 42`, `token = getToken()`
 *   and `password: required` stay.
 * - Header lines: `Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie` and hyphenated
 *   `…-Key`/`…-Token`/`…-Secret`/… names at the start of a line (also after `\n` or an opening
 *   quote in JSON text, or curl's `> `) have their value masked to the end of the line, any scheme.
 * - Compatibility forms: text is also read in its NFKC form (fullwidth `ｓｋ-…`, `ＡＫＩＡ…`).
 * Secrets inside JSON text are found after escape sequences (`\n`, `\t`, `\u0001`, …). Formats
 * with very specific prefixes (`ghp_`, `github_pat_`, `tvly-`, `xoxb-`, `AIza`) are found even
 * glued to a word before them; `sk-…`, `AKIA…`, JWTs and assignments need a non-word character
 * (or an escape) before them, so ordinary words such as `task-…` are left alone.
 *
 * Every built-in pattern runs in time linear in its input. Limits: a secret in an unknown
 * format under an innocuous key is caught only if registered; in a text assignment, a value of
 * letters only (up to 64 characters), a number or a value with spaces is left, as is a plain
 * `auth=`; a line starting with a header name is masked to its end even when it is prose; user
 * `patterns` run as given.
 */
export class Redactor {
  private readonly secrets: string[];
  private readonly keys: RegExp[];
  private readonly patterns: RegExp[];
  readonly redactToolOutput: boolean;

  constructor(given: RedactOptions = {}) {
    // Misspelt or mistyped options must fail here: a secret the user believes removed would otherwise be written.
    if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new ConfigError('redact', 'expected { secrets?, keys?, patterns?, toolOutput? }');
    // Read once (a getter or proxy trap that throws is a typed error naming the option).
    let options: RedactOptions;
    try {
      options = { ...given };
    } catch (error) {
      throw new ConfigError('redact', `the option could not be read: ${error instanceof Error ? error.message : 'an unreadable value was thrown'}`, { cause: error });
    }
    for (const key of Object.keys(options)) {
      if (!REDACT_OPTION_KEYS.has(key)) throw new ConfigError(`redact.${key}`, 'unknown option (known: secrets, keys, patterns, toolOutput)');
    }
    for (const field of ['keys', 'patterns'] as const) {
      const list = options[field];
      if (list !== undefined && (!Array.isArray(list) || list.some((re) => !(re instanceof RegExp)))) throw new ConfigError(`redact.${field}`, 'expected an array of regular expressions');
    }
    if (options.toolOutput !== undefined && typeof options.toolOutput !== 'boolean') throw new ConfigError('redact.toolOutput', 'expected a boolean');
    const secrets = options.secrets ?? [];
    if (!Array.isArray(secrets) || secrets.some((s) => typeof s !== 'string')) throw new ConfigError('redact.secrets', 'expected an array of strings');
    this.secrets = [];
    for (const secret of secrets) this.addSecret(secret);
    this.keys = [SECRET_KEY, ...(options.keys ?? [])];
    this.patterns = (options.patterns ?? []).map((p) => (p.global ? p : new RegExp(p.source, `${p.flags}g`)));
    this.redactToolOutput = options.toolOutput ?? true;
  }

  /** Registers more secrets at run time (e.g. a token a plugin obtained). Its JSON-escaped form is registered with it. */
  addSecret(secret: string): void {
    if (typeof secret !== 'string' || secret.length < 4) return;
    // Very short strings would shred text. The escaped form is what a secret with quotes, backslashes or newlines looks like inside JSON.
    for (const form of [secret, JSON.stringify(secret).slice(1, -1)]) {
      if (!this.secrets.includes(form)) this.secrets.push(form);
    }
    // Longest first so a secret that contains another is removed whole.
    this.secrets.sort((a, b) => b.length - a.length);
    this.shortest = Math.min(MIN_DETECTOR_MATCH, this.secrets.at(-1)?.length ?? MIN_DETECTOR_MATCH);
    // What was found clean before may hold the new secret.
    this.walkKeys.clear();
    this.shortTexts.clear();
    this.recentClean.length = 0;
  }

  /** Strings shorter than this cannot hold a secret (see `text`). */
  private shortest = MIN_DETECTOR_MATCH;

  /** Length of the longest registered secret (streaming holds back at least that much). */
  get longestSecret(): number {
    return this.secrets[0]?.length ?? 0;
  }

  private readonly keyVerdicts = new Map<string, boolean>();
  /** Object keys as the walk writes them (key names repeat endlessly): one lookup gives both the redacted key and its verdict. */
  private readonly walkKeys = new Map<string, WalkKey>();
  /** Redacted short strings (event types, roles, finish reasons, names repeat endlessly); emptied when full or when a secret is added. */
  private readonly shortTexts = new Map<string, string>();
  /** The last few long strings found clean (emptied when a secret is added). */
  private readonly recentClean: string[] = [];
  /** Walkers not in use (`value`, `eventCopy`): reused rather than made per call. */
  private idleWalk: ValueWalk | undefined;
  private idleEventWalk: ValueWalk | undefined;

  /** @internal An object key as `value` writes it: redacted, and whether the values below it are secret (memoized). */
  walkKey(key: string): WalkKey {
    let found = this.walkKeys.get(key);
    if (found === undefined) {
      found = { out: this.text(key), secret: this.isSecretKey(key) };
      if (this.walkKeys.size < 10_000 && key.length <= 256) this.walkKeys.set(key, found);
    }
    return found;
  }

  /** True when a key name looks like it holds a secret (memoized: key names repeat endlessly). */
  isSecretKey(key: string): boolean {
    let verdict = this.keyVerdicts.get(key);
    if (verdict === undefined) {
      const name = key.length <= 1_000 ? key : key.slice(0, 1_000);
      // A user pattern with the g or y flag would start at the lastIndex the key before left: every key is tested from its start.
      verdict = this.keys.some((re) => {
        re.lastIndex = 0;
        return re.test(name);
      });
      if (this.keyVerdicts.size < 10_000) this.keyVerdicts.set(key, verdict);
    }
    return verdict;
  }

  /** The spans of `input` that hold secrets, sorted and merged. */
  spans(input: string): [number, number][] {
    const spans: [number, number][] = [];
    for (const secret of this.secrets) {
      for (let at = input.indexOf(secret); at >= 0; at = input.indexOf(secret, at + secret.length)) spans.push([at, at + secret.length]);
    }
    if (CANDIDATE.test(input.toLowerCase())) {
      pemSpans(input, spans);
      detect(input, spans);
      // Text with terminal colour codes (`\x1b[31msk-…`): the text between escape sequences is
      // checked on its own too, so a code ending right before a secret does not hide its start.
      if (input.includes('\x1b') || input.includes('\x9b')) {
        let from = 0;
        const piece = (to: number) => {
          if (to > from) {
            const text = input.slice(from, to);
            const found: [number, number][] = [];
            detect(text, found);
            for (const [start, end] of found) spans.push([start + from, end + from]);
          }
        };
        TERMINAL_ESCAPE.lastIndex = 0;
        for (let match = TERMINAL_ESCAPE.exec(input); match; match = TERMINAL_ESCAPE.exec(input)) {
          if (match[0].length === 0) {
            TERMINAL_ESCAPE.lastIndex++;
            continue;
          }
          piece(match.index);
          from = match.index + match[0].length;
        }
        piece(input.length);
      }
    }
    // A secret cut up by what a reader never sees or sees decoded — a colour code or an invisible
    // character inside it, an escape (`\u0043`, `\x43`, `%43`) standing for one of its characters —
    // is looked for in the text as read, and masked from the first to the last character it spans.
    // Compatibility forms (`ｓｋ-…`, fullwidth `ＡＫＩＡ…`) are read in their NFKC form the same way.
    // One scan rules out both for plain ASCII text (the usual case).
    if (MAYBE_READ_DIFFERENTLY.test(input) && (OBFUSCATION.test(input) || hasCompatibilityForms(input))) this.readableSpans(input, spans);
    for (const re of this.patterns) collect(input, re, -1, false, spans);
    return merge(spans);
  }

  /** Secrets (registered and built-in) in the readable form of `input` (see `readableView`), as spans of `input`. */
  private readableSpans(input: string, spans: [number, number][]): void {
    const view = readableView(input);
    if (view.text === input) return;
    const found: [number, number][] = [];
    for (const secret of this.secrets) {
      for (let at = view.text.indexOf(secret); at >= 0; at = view.text.indexOf(secret, at + secret.length)) found.push([at, at + secret.length]);
    }
    if (CANDIDATE.test(view.text.toLowerCase())) {
      pemSpans(view.text, found);
      detect(view.text, found);
    }
    for (const [start, end] of found) if (end > start) spans.push([view.starts[start]!, view.ends[end - 1]!]);
  }

  /** Redacts a string. */
  text(input: string): string {
    if (typeof input !== 'string') return input;
    // Shorter than every built-in detector's shortest match and every registered secret, and no user pattern: nothing to find.
    if (input.length < this.shortest && this.patterns.length === 0) return input;
    if (input.length > MAX_MEMO_CHARS) {
      // A long text found clean a moment ago (a tool's output is redacted for the model, then for its audit event) is not scanned again.
      const recent = input.length <= MAX_RECENT_CHARS;
      if (recent && this.recentClean.includes(input)) return input;
      const spans = this.spans(input);
      if (spans.length > 0) return mask(input, spans);
      if (recent) {
        if (this.recentClean.length >= MAX_RECENT_ENTRIES) this.recentClean.shift();
        this.recentClean.push(input);
      }
      return input;
    }
    let out = this.shortTexts.get(input);
    if (out === undefined) {
      const spans = this.spans(input);
      out = spans.length === 0 ? input : mask(input, spans);
      if (this.shortTexts.size >= MAX_MEMO_ENTRIES) this.shortTexts.clear();
      this.shortTexts.set(input, out);
    }
    return out;
  }

  /**
   * Deep copy with secrets removed: strings are redacted, object keys too; below a
   * secret-looking key every string and number is replaced whole. Cycles become `[circular]`,
   * values nested deeper than 200 levels `[too deep]`, values whose reading throws (getters,
   * proxies) `[unreadable]`.
   */
  value<T>(input: T): T {
    const walk = this.idleWalk ?? new ValueWalk(this, false);
    this.idleWalk = undefined;
    try {
      return walk.walk(input, false, 0) as T;
    } finally {
      this.idleWalk = walk.reset();
    }
  }

  /**
   * `value()` for a run event: the same redacted copy, with every object and array below the top
   * level frozen as it is built (the caller stamps the top level, then freezes it) — one walk
   * where a copy and a freezing walk were two.
   * @internal
   */
  eventCopy(input: object): Record<string, unknown> {
    // One walker per redactor is reused (a walk that starts inside another, from a getter, gets its own).
    const walk = this.idleEventWalk ?? new ValueWalk(this, true);
    this.idleEventWalk = undefined;
    try {
      return walk.walk(input, false, 0) as Record<string, unknown>;
    } finally {
      this.idleEventWalk = walk.reset();
    }
  }

  /**
   * `eventCopy` for an input the loop built as a fresh literal and never touches again: the input
   * itself becomes the event, each member replaced by its redacted copy (nested values frozen as
   * `eventCopy` freezes them) — the same keys, order and values as `eventCopy`'s copy, without the
   * copy of the top level. The fields the event log stamps afterwards (`runId`, `at`, `seq`: their
   * placeholders) are left as they are. Undefined when a key would be renamed by redaction (a user pattern matching
   * it) or is an own `__proto__`: the caller makes a copy (`eventCopy`) instead; nothing was changed.
   * @internal
   */
  eventInPlace(input: Record<string, unknown>): Record<string, unknown> | undefined {
    for (const k in input) {
      if (!hasOwn.call(input, k) || isStampSlot(k)) continue;
      if (k === '__proto__' || this.walkKey(k).out !== k) return undefined;
    }
    const walk = this.idleEventWalk ?? new ValueWalk(this, true);
    this.idleEventWalk = undefined;
    try {
      walk.inPlace(input);
      return input;
    } finally {
      this.idleEventWalk = walk.reset();
    }
  }

  /**
   * Redacts text that arrives in pieces (a streamed answer), so that a secret split across
   * pieces is still found: text is released only once enough of what follows it has arrived
   * (the last 256 characters, or more while a secret may still be growing, are held back until
   * `end()`), in batches of at least 64 characters after the first. The joined output equals
   * `text()` of the joined input, except that a secret cut by the end of a piece is never shown in part.
   */
  textStream(): TextStreamRedaction {
    return new StreamRedaction(this);
  }
}

/**
 * One `Redactor.value` walk. The objects on the path from the root to the one being copied (a
 * revisit is a cycle): the first levels in an array (no WeakSet to allocate for the small values
 * events are made of), deeper ones in a WeakSet, so a check costs at most SHALLOW_PATH comparisons
 * and one lookup. Object keys are read with `for…in` (no key array per object).
 */
class ValueWalk {
  /** The shallow part of the path: `path[0..size)`; slots past `size` are cleared (nothing stays reachable). */
  private readonly path: (object | undefined)[] = [];
  private size = 0;
  private deep: WeakSet<object> | undefined;

  constructor(
    private readonly redactor: Redactor,
    /** Freeze every copied object and array below the top level. */
    private readonly freeze: boolean,
  ) {}

  /** Ready for the next walk (the path is empty after every walk; `deep` is dropped). */
  reset(): this {
    this.deep = undefined;
    return this;
  }

  private onPath(v: object): boolean {
    const path = this.path;
    for (let i = 0; i < this.size; i++) if (path[i] === v) return true;
    return this.deep !== undefined && this.deep.has(v);
  }

  walk(v: unknown, secret: boolean, depth: number): unknown {
    if (typeof v === 'string') return secret && v.length > 0 ? REDACTED : this.redactor.text(v);
    if (secret && (typeof v === 'number' || typeof v === 'bigint')) return REDACTED;
    if (v === null || typeof v !== 'object') return v;
    if (depth > MAX_VALUE_DEPTH) return '[too deep]';
    if (this.onPath(v)) return '[circular]';
    const at = this.size;
    const shallow = at < SHALLOW_PATH;
    if (shallow) {
      this.path[at] = v;
      this.size = at + 1;
    } else (this.deep ??= new WeakSet()).add(v);
    try {
      // A shared copy core made (deep-frozen, plain): kept as it is where the walk changes nothing in it.
      if (this.freeze && depth > 0 && isShared(v)) return this.shared(v, secret, depth);
      let out: object;
      if (Array.isArray(v)) {
        // As `map` copies (holes stay holes), without a callback per array.
        const length = v.length;
        const items: unknown[] = new Array(length);
        for (let i = 0; i < length; i++) if (i in v) items[i] = this.walk(v[i], secret, depth + 1);
        out = items;
      }
      else if (v instanceof Error) out = { name: this.redactor.text(String(v.name)), message: secret ? REDACTED : this.redactor.text(String(v.message)) };
      else {
        const copy: Record<string, unknown> = {};
        for (const k in v) {
          if (k === '__proto__' || !hasOwn.call(v, k)) continue;
          // A redacted key is never "__proto__" (that one is skipped above), so plain assignment is safe.
          const key = this.redactor.walkKey(k);
          copy[key.out] = this.walk((v as Record<string, unknown>)[k], secret || key.secret, depth + 1);
        }
        out = copy;
      }
      return this.freeze && depth > 0 ? Object.freeze(out) : out;
    } catch {
      return '[unreadable]';
    } finally {
      // Off the path again, also when reading it threw (a sibling holding the same object is not a cycle).
      if (shallow) {
        this.path[at] = undefined;
        this.size = at;
      } else this.deep!.delete(v);
    }
  }

  /**
   * The top level of `walk(input, false, 0)` done in place (`Redactor.eventInPlace`: no key of
   * `input` is renamed by redaction): each own member becomes what the copy would hold under it.
   */
  inPlace(input: Record<string, unknown>): void {
    const at = this.size;
    this.path[at] = input;
    this.size = at + 1;
    try {
      for (const k in input) {
        if (!hasOwn.call(input, k) || isStampSlot(k)) continue;
        input[k] = this.walk(input[k], this.redactor.walkKey(k).secret, 1);
      }
    } finally {
      this.path[at] = undefined;
      this.size = at;
    }
  }

  /**
   * The walk of a shared copy (`sharedJsonCopy`: deep-frozen, plain, acyclic, JSON-exact, no holes)
   * or of an object or array inside one, below the top level: itself when nothing in it is redacted
   * (no secret key, no secret text, no `__proto__` key to drop, nothing too deep), else a frozen copy
   * made from the first change on. Acyclic and frozen: no path to keep for cycles.
   */
  private shared(v: object, secret: boolean, depth: number): object {
    if (Array.isArray(v)) {
      let items: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        const out = this.sharedChild(item, secret, depth + 1);
        if (items === undefined) {
          if (out === item) continue;
          items = v.slice();
        }
        items[i] = out;
      }
      return items === undefined ? v : Object.freeze(items);
    }
    const redactor = this.redactor;
    const object = v as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const k in object) {
      if (!hasOwn.call(object, k)) continue;
      const dropped = k === '__proto__';
      const key = dropped ? undefined : redactor.walkKey(k);
      const child = object[k];
      const out = key ? this.sharedChild(child, secret || key.secret, depth + 1) : undefined;
      if (copy === undefined) {
        if (key && out === child && key.out === k) continue;
        // The first change: the keys before it were kept as they are.
        copy = {};
        for (const before in object) {
          if (before === k) break;
          if (hasOwn.call(object, before) && before !== '__proto__') copy[before] = object[before];
        }
      }
      if (key) copy[key.out] = out;
    }
    return copy === undefined ? v : Object.freeze(copy);
  }

  /** A value inside a shared copy: text and numbers as `walk` has them, objects and arrays walked as shared. */
  private sharedChild(v: unknown, secret: boolean, depth: number): unknown {
    if (v === null || typeof v !== 'object') return this.walk(v, secret, depth);
    if (depth > MAX_VALUE_DEPTH) return '[too deep]';
    return this.shared(v, secret, depth);
  }
}

const hasOwn = Object.prototype.hasOwnProperty;

/** A field the event log stamps on every event (`runId`, `at`, `seq`): never redacted. */
const isStampSlot = (key: string): boolean => key === 'runId' || key === 'at' || key === 'seq';

/** An object key as a redaction walk writes it. @internal */
export interface WalkKey {
  /** The key, redacted. */
  readonly out: string;
  /** Values below the key are secret (`isSecretKey`). */
  readonly secret: boolean;
}

function collect(input: string, re: RegExp, group: number, unquote: boolean, out: [number, number][]): void {
  re.lastIndex = 0;
  for (let match = re.exec(input); match; match = re.exec(input)) {
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
        const text = input.slice(start, end);
        const open = /^\\?["']/.exec(text)?.[0].length ?? 0;
        const close = open > 0 ? (/\\?["']$/.exec(text.slice(open))?.[0].length ?? 0) : 0;
        start += open;
        end -= close;
      }
    } else if (group < 0 && typeof match[1] === 'string' && match[1] !== match[0] && match[0].startsWith(match[1])) {
      // A user pattern whose first group is a prefix of the match keeps that prefix (`key=` stays, the value goes).
      start += match[1].length;
    }
    if (end > start) out.push([start, end]);
  }
}

/** How many more characters a text stream takes before it scans again after a release. */
const RELEASE_BATCH = 64;

/** Streamed redaction: a window of released context plus the text not released yet. */
class StreamRedaction implements TextStreamRedaction {
  private buffer = '';
  /** Characters at the start of `buffer` already released (kept as left context for the detectors). */
  private released = 0;
  /** Whether the last released character was inside a redacted span. */
  private openSpan = false;
  /** Scan again only once the buffer reaches this length (grows while a span keeps touching the end: amortized linear). */
  private nextScan = 0;
  private readonly hold: number;

  constructor(private readonly redactor: Redactor) {
    this.hold = 256 + redactor.longestSecret;
  }

  push(text: string): string {
    if (typeof text !== 'string' || text.length === 0) return '';
    this.buffer += text;
    if (this.buffer.length - this.released <= this.hold || this.buffer.length < this.nextScan) return '';
    return this.release(false);
  }

  end(): string {
    const out = this.buffer.length > this.released ? this.release(true) : '';
    this.buffer = '';
    this.released = 0;
    return out;
  }

  private release(final: boolean): string {
    const spans = this.redactor.spans(this.buffer);
    let to = final ? this.buffer.length : this.buffer.length - this.hold;
    if (!final) {
      // Never cut a span: release up to its end, or — when it reaches the end of what arrived (it may still grow) — stop before it.
      for (const [start, end] of spans) {
        if (start >= to || end <= to) continue;
        to = end >= this.buffer.length ? start : end;
      }
    }
    if (to <= this.released) {
      this.nextScan = this.buffer.length + Math.max(this.hold, Math.ceil((this.buffer.length - this.released) / 2));
      return '';
    }
    let out = '';
    let at = this.released;
    for (const [start, end] of spans) {
      if (end <= at || start >= to) continue;
      if (start > at) out += this.buffer.slice(at, start);
      // A span that began in text already released continues a placeholder already shown.
      if (!(start < this.released && this.openSpan && at === this.released)) out += REDACTED;
      at = Math.min(end, to);
    }
    this.openSpan = at === to && spans.some(([start, end]) => start < to && end >= to);
    if (at < to) out += this.buffer.slice(at, to);
    // Keep up to 512 released characters as left context for the next scan.
    const keepFrom = Math.max(0, to - 512);
    this.buffer = this.buffer.slice(keepFrom);
    this.released = to - keepFrom;
    // The next scan waits for RELEASE_BATCH more characters: a scan reads the whole window (up to
    // 512 released + `hold` held characters), so scanning on every one-character delta cost that
    // window per character (25 µs a delta; 200,000 deltas took 13 s). The output is the same.
    this.nextScan = this.buffer.length + RELEASE_BATCH;
    return out;
  }
}
