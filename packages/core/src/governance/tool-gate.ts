import { ConfigError } from '../errors/config-error.js';
import type { ToolPolicy } from '../limits.js';
import type { ToolSpec } from '../model.js';
import type { Tool } from '../tool.js';
import { globMatch } from '../util/glob.js';
import { originalToolName, toolSources } from '../runtime/plugin-loader.js';
import { ownEntries } from '../util/own.js';

/** Why a call was refused before running. */
export interface GateRefusal {
  readonly code: 'tool_not_found' | 'tool_denied';
  readonly reason: string;
}

/**
 * Applies the tool policy: exact-name lookup, deny over allow, per-tool caps.
 * Denied tools are not advertised to the model. Every policy pattern (`allow`, `deny`,
 * `maxCallsPerTool`) is matched against the advertised name **and** the tool's original names:
 * the one a plugin gave it before a namespace renamed it (`deny: ['write_file']` also denies
 * `fs__write_file`) and its declared `originalName` (an MCP server's own name for `srv__tool`). Caps are read from a `Map`, so tool names such as `constructor` or
 * `__proto__` never read inherited properties.
 */
export class ToolGate {
  private readonly tools: ReadonlyMap<string, Tool>;
  private readonly caps: ReadonlyMap<string, number>;
  /** Specs of the tools the model may use, in registration order. */
  readonly advertised: readonly ToolSpec[];
  /** The advertised tools' names, in order (what `model_request` events list). */
  readonly advertisedNames: readonly string[];

  constructor(tools: readonly Tool[], private readonly policy: ToolPolicy) {
    const map = new Map<string, Tool>();
    for (const tool of tools) {
      const existing = map.get(tool.name);
      if (existing) {
        const from = (t: Tool) => (toolSources.get(t) ? `plugin "${toolSources.get(t)}"` : 'options.tools');
        throw new ConfigError('tools', `two tools are named "${tool.name}" (from ${from(existing)} and ${from(tool)}); tool names must be unique — give one plugin a namespace`);
      }
      map.set(tool.name, tool);
    }
    this.tools = map;
    this.caps = ownEntries(policy.maxCallsPerTool);
    this.advertised = Object.freeze(tools.filter((tool) => this.isAllowed(tool.name)).map((tool) => tool.spec));
    this.advertisedNames = Object.freeze(this.advertised.map((spec) => spec.name));
  }

  /** All registered tools (allowed or not). */
  get all(): readonly Tool[] {
    return [...this.tools.values()];
  }

  /** The registered tool of that exact name, allowed or not. */
  find(name: string): Tool | undefined {
    return this.tools.get(name);
  }

  /**
   * The names a policy pattern is matched against: the advertised name, the name a namespaced
   * plugin tool had before the loader renamed it, and the tool's own `originalName` (e.g. an MCP
   * server's name for it).
   */
  namesOf(name: string): readonly string[] {
    const tool = this.tools.get(name);
    if (!tool) return [name];
    const names = [name];
    for (const other of [originalToolName(tool), tool.originalName]) {
      if (typeof other === 'string' && other.length > 0 && !names.includes(other)) names.push(other);
    }
    return names;
  }

  /**
   * The names that may *grant* something (pass an allow list, take an exact cap): `namesOf` without a
   * declared `originalName` holding the namespace separator `__`. That name is the source's choice
   * (an MCP server's), and one such as `github__wipe` on the server `notes` would otherwise pass
   * `allow: ['github__*']` as if it were the `github` server's tool. Deny and glob caps, which only
   * restrict, still match it.
   */
  private grantingNamesOf(name: string): readonly string[] {
    const names = this.namesOf(name);
    const declared = this.tools.get(name)?.originalName;
    if (typeof declared !== 'string' || !declared.includes('__') || declared === name || declared === originalToolName(this.tools.get(name)!)) return names;
    return names.filter((candidate) => candidate !== declared);
  }

  /** Deny wins; with an allow list, only listed tools pass. Patterns match the advertised or the original name (see `grantingNamesOf` for allow). */
  isAllowed(name: string): boolean {
    if (this.policy.deny && anyMatches(this.policy.deny, this.namesOf(name))) return false;
    if (this.policy.allow && !anyMatches(this.policy.allow, this.grantingNamesOf(name))) return false;
    return true;
  }

  /** The tool for a call, or why it may not run. `callsSoFar` counts earlier calls of that tool in the run. */
  check(name: string, callsSoFar: number): { tool: Tool } | GateRefusal {
    const tool = this.tools.get(name);
    if (!tool) return { code: 'tool_not_found', reason: `no tool is named ${JSON.stringify(name)}; available: ${this.advertised.map((t) => t.name).join(', ') || 'none'}` };
    if (!this.isAllowed(name)) return { code: 'tool_denied', reason: `tool "${name}" is not permitted by the tool policy` };
    const cap = this.capFor(name);
    if (cap !== undefined && callsSoFar >= cap) return { code: 'tool_denied', reason: `tool "${name}" reached its cap of ${cap} calls per run` };
    return { tool };
  }

  /**
   * An exact entry (advertised name, then original name) wins; otherwise the smallest cap among
   * matching globs. A source-chosen name with `__` (see `grantingNamesOf`) cannot take an exact
   * entry, which could raise its cap above a `'*'` one; it counts among the patterns, which only lower it.
   */
  capFor(name: string): number | undefined {
    if (this.caps.size === 0) return undefined;
    const names = this.namesOf(name);
    for (const candidate of this.grantingNamesOf(name)) {
      const exact = this.caps.get(candidate);
      if (exact !== undefined) return exact;
    }
    let cap: number | undefined;
    for (const [pattern, value] of this.caps) {
      if (names.some((candidate) => globMatch(pattern, candidate))) cap = cap === undefined ? value : Math.min(cap, value);
    }
    return cap;
  }
}

/** Whether any of `patterns` matches any of `names` (a module function: `isAllowed` runs twice per tool call). */
function anyMatches(patterns: readonly string[], names: readonly string[]): boolean {
  return patterns.some((pattern) => names.some((candidate) => globMatch(pattern, candidate)));
}
