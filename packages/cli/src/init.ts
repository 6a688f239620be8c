import { randomBytes } from 'node:crypto';
import { lstatSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AgentrtError, ConfigError } from '@agentrt/core';

/** The commented config `agentrt init` writes. Every field is optional; it runs as written, offline. */
export const INIT_CONFIG = `// agentrt.config.mjs — the config every \`agentrt\` command reads (written by \`agentrt init\`).
// The default export is the options of createRuntime() from @agentrt/core, plus two CLI extras:
// \`model\` may be a 'provider:model' string and \`store\` a { type, … } spec. Docs: docs/cli.md.

export default {
  // The model. A 'provider:model' string (openai:, anthropic:, ollama:) or any ModelAdapter object.
  // Left out, the CLI picks one from the environment: AGENTRT_MODEL=provider:model, else
  // OPENAI_API_KEY → openai:gpt-4o-mini, ANTHROPIC_API_KEY → anthropic:claude-sonnet-4-6,
  // OLLAMA_HOST → ollama:llama3.1. With none of them it runs on an embedded demo model
  // (offline, scripted answers) and says so.
  // model: 'openai:gpt-4o-mini',

  // Tools: plugins by package name or path (resolved from this folder), or tool objects.
  // plugins: ['@agentrt/tools-math', { module: '@agentrt/tools-fs', options: { root: './workspace' } }],
  // tools: [],

  // Where runs are kept: every command (run, runs, trace, kill, approve, ui) shares it.
  // { type: 'sqlite', path } (default path .agentrt/runs.db, beside this file),
  // { type: 'postgres', url: 'postgres://…', schema } (url defaults to DATABASE_URL) or
  // { type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix: 'agentrt:' }.
  // A field this file does not know (a typo) is refused with its name.
  store: { type: 'sqlite', path: '.agentrt/runs.db' },

  // Hard limits; each has a finite default (8 steps, 32 tool calls, 5 minutes, 1M tokens).
  limits: {
    maxSteps: 8,
    maxToolCalls: 32,
    timeoutMs: 300_000,
    maxTokens: 200_000,
    // maxCostUsd: 0.5, // needs a price for the model (built in for common models, else \`pricing\`)
  },

  // Tool policy: deny wins over allow, and denied tools are not even shown to the model.
  // toolPolicy: { deny: ['*delete*'], allow: ['*'] },

  // Secrets to remove from everything written or shown (audit log, traces, the console).
  // Values under secret-looking keys and known key formats are removed already.
  // redact: { secrets: [process.env.MY_SERVICE_TOKEN].filter(Boolean) },

  // Chain audit event hashes so \`agentrt trace\` can prove the log was not edited.
  audit: { hashChain: true },
};
`;

/**
 * Writes `INIT_CONFIG` to `path`; refuses to replace anything already there — a file, a
 * directory, a symlink (even a dangling one) — unless `force` (`config_exists`). With `force` a
 * file or symlink is replaced by a new file: the config is written beside it and renamed over
 * it, so a symlink is replaced itself and its target is never written. A directory is never
 * replaced. Other failures (a missing folder, no permission) are `config_invalid` naming `config`.
 * Returns what it did.
 */
export function writeInitConfig(path: string, options: { force?: boolean } = {}): 'created' | 'replaced' {
  const existing = lstatSync(path, { throwIfNoEntry: false });
  if (existing && !options.force) throw new AgentrtError('config_exists', `${path} already exists${existing.isSymbolicLink() ? ' (a symlink)' : ''}; pass --force to replace it`);
  if (existing?.isDirectory()) throw new AgentrtError('config_exists', `${path} is a directory; it is never replaced`);
  const fail = (error: unknown): never => {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code === 'EEXIST') throw new AgentrtError('config_exists', `${path} already exists; pass --force to replace it`, { cause: error });
    throw new ConfigError('config', `cannot write ${path}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  };
  if (!existing) {
    // O_EXCL: fails on anything created meanwhile, a dangling symlink included (it never follows one).
    try {
      writeFileSync(path, INIT_CONFIG, { encoding: 'utf8', flag: 'wx', mode: 0o644 });
    } catch (error) {
      fail(error);
    }
    return 'created';
  }
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temporary, INIT_CONFIG, { encoding: 'utf8', flag: 'wx', mode: 0o644 });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    fail(error);
  }
  return 'replaced';
}
