import { ConfigError } from '../errors/config-error.js';

/** Options of the redactor (`createRuntime({ redact })`). */
export interface RedactOptions {
  /** Exact secret strings to remove wherever they appear (API keys you hold, tokens, passwords). */
  readonly secrets?: readonly string[];
  /** Extra key-name patterns whose string values are always replaced. */
  readonly keys?: readonly RegExp[];
  /** Extra value patterns to replace (must be global `g` regexes or are made global). */
  readonly patterns?: readonly RegExp[];
  /** Redact tool output before the model sees it (default true). Audit copies are always redacted. */
  readonly toolOutput?: boolean;
}

/** The replacement text for removed secrets. */
export const REDACTED = '[REDACTED]';

const SECRET_KEY = /pass(word|wd|phrase)?$|^pwd$|secret|token$|^token|api[-_]?key|access[-_]?key|private[-_]?key|client[-_]?key|^key$|[-_]key$|authorization|^auth$|cookie|credential|session[-_]?id/i;

const VALUE_PATTERNS: readonly RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /\b(?:sk|rk|pk)-[A-Za-z0-9_-]{12,}/g,
  /\bsk-ant-[A-Za-z0-9_-]{12,}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\btvly-[A-Za-z0-9_-]{8,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bAIza[0-9A-Za-z_-]{30,}/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /([?&#](?:key|api[-_]?key|apikey|token|access[-_]?token|auth|secret|password|passwd|sig|signature|client[-_]?secret)=)[^&\s#"']+/gi,
  /(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@"']+:[^/\s@"']+@/gi,
  /\b([A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?)[A-Z0-9_]*\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&"']+)/g,
  /((?:"|')?(?:password|passwd|secret|token|api[-_]?key|authorization)(?:"|')?\s*[:=]\s*)("[^"]+"|'[^']+')/gi,
];

/**
 * Cheap pre-check: a string that matches none of these fragments cannot match any value
 * pattern above, so the full pattern list runs only on candidates. Keep it in sync with
 * VALUE_PATTERNS (every pattern must require at least one of these fragments).
 */
const CANDIDATE = /PRIVATE KEY|[srp]k-|AKIA|ASIA|gh[pousr]_|github_pat_|tvly-|xox[abprs]-|AIza|eyJ|bearer|basic|[?&#][a-z_-]+=|:\/\/[^/\s]*@|secret|token|passw|api_?-?key|access_?-?key|private_?-?key|credential|authorization/i;

/**
 * Removes secrets before anything is written or shown: values under secret-looking
 * keys (`*token*`, `*secret*`, `*key*`, `authorization`, `password`, `cookie`, …),
 * values matching known credential formats (OpenAI/Anthropic/AWS/GitHub/Tavily/Slack keys,
 * bearer tokens, JWTs, PEM private keys, `?key=` URL params, `user:pass@` URLs,
 * `NAME_SECRET=…` assignments) and every secret the user registers.
 *
 * Limits: a secret in an unknown format under an innocuous key is caught only if registered.
 */
export class Redactor {
  private readonly secrets: string[];
  private readonly keys: RegExp[];
  private readonly patterns: RegExp[];
  readonly redactToolOutput: boolean;

  constructor(options: RedactOptions = {}) {
    const secrets = options.secrets ?? [];
    if (!Array.isArray(secrets) || secrets.some((s) => typeof s !== 'string')) throw new ConfigError('redact.secrets', 'expected an array of strings');
    // Longest first so a secret that contains another is removed whole; very short strings would shred text.
    this.secrets = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
    this.keys = [SECRET_KEY, ...(options.keys ?? [])];
    this.patterns = [...VALUE_PATTERNS, ...(options.patterns ?? []).map((p) => (p.global ? p : new RegExp(p.source, `${p.flags}g`)))];
    this.redactToolOutput = options.toolOutput ?? true;
  }

  /** Registers more secrets at run time (e.g. a token a plugin obtained). */
  addSecret(secret: string): void {
    if (secret.length >= 4 && !this.secrets.includes(secret)) {
      this.secrets.push(secret);
      this.secrets.sort((a, b) => b.length - a.length);
    }
  }

  private readonly keyVerdicts = new Map<string, boolean>();

  /** True when a key name looks like it holds a secret (memoized: key names repeat endlessly). */
  isSecretKey(key: string): boolean {
    let verdict = this.keyVerdicts.get(key);
    if (verdict === undefined) {
      verdict = this.keys.some((re) => re.test(key));
      if (this.keyVerdicts.size < 10_000) this.keyVerdicts.set(key, verdict);
    }
    return verdict;
  }

  /** Redacts a string. */
  text(input: string): string {
    let out = input;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    if (this.patterns.length === VALUE_PATTERNS.length && !CANDIDATE.test(out)) return out;
    for (const re of this.patterns) {
      re.lastIndex = 0;
      if (!re.test(out)) continue;
      re.lastIndex = 0;
      out = out.replace(re, (match: string, ...groups: unknown[]) => {
        const prefix = typeof groups[0] === 'string' && match.startsWith(groups[0]) && groups[0] !== match ? groups[0] : '';
        // Keep the quotes of a quoted value so JSON stays JSON.
        const value = match.slice(prefix.length);
        const quote = value.length > 1 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0] ? value[0] : '';
        return `${prefix}${quote}${REDACTED}${quote}`;
      });
    }
    return out;
  }

  /** Deep copy with secrets removed. Strings under secret-looking keys are replaced whole. Cycles become `[circular]`. */
  value<T>(input: T): T {
    const seen = new WeakSet<object>();
    const walk = (v: unknown, key: string | undefined): unknown => {
      if (typeof v === 'string') return key !== undefined && this.isSecretKey(key) && v.length > 0 ? REDACTED : this.text(v);
      if (v === null || typeof v !== 'object') return v;
      if (seen.has(v)) return '[circular]';
      seen.add(v);
      let out: unknown;
      if (Array.isArray(v)) out = v.map((item) => walk(item, key));
      else if (v instanceof Error) out = { name: v.name, message: this.text(v.message) };
      else {
        const copy: Record<string, unknown> = {};
        for (const k in v) {
          if (k === '__proto__' || !Object.prototype.hasOwnProperty.call(v, k)) continue;
          copy[k] = walk((v as Record<string, unknown>)[k], k);
        }
        out = copy;
      }
      seen.delete(v);
      return out;
    };
    return walk(input, undefined) as T;
  }
}
