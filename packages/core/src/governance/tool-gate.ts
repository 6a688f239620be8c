import { ConfigError } from '../errors/config-error.js';
import type { ToolPolicy } from '../limits.js';
import type { ToolSpec } from '../model.js';
import type { Tool } from '../tool.js';
import { globMatch } from '../util/glob.js';
import { toolSources } from '../runtime/plugin-loader.js';

/** Why a call was refused before running. */
export interface GateRefusal {
  readonly code: 'tool_not_found' | 'tool_denied';
  readonly reason: string;
}

/**
 * Applies the tool policy: exact-name lookup, deny over allow, per-tool caps.
 * Denied tools are not advertised to the model.
 */
export class ToolGate {
  private readonly tools: ReadonlyMap<string, Tool>;
  /** Specs of the tools the model may use, in registration order. */
  readonly advertised: readonly ToolSpec[];

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
    this.advertised = Object.freeze(tools.filter((tool) => this.isAllowed(tool.name)).map((tool) => tool.spec));
  }

  /** All registered tools (allowed or not). */
  get all(): readonly Tool[] {
    return [...this.tools.values()];
  }

  /** The registered tool of that exact name, allowed or not. */
  find(name: string): Tool | undefined {
    return this.tools.get(name);
  }

  /** Deny wins; with an allow list, only listed tools pass. */
  isAllowed(name: string): boolean {
    if (this.policy.deny?.some((pattern) => globMatch(pattern, name))) return false;
    if (this.policy.allow && !this.policy.allow.some((pattern) => globMatch(pattern, name))) return false;
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

  private capFor(name: string): number | undefined {
    const caps = this.policy.maxCallsPerTool;
    if (!caps) return undefined;
    if (caps[name] !== undefined) return caps[name];
    let cap: number | undefined;
    for (const [pattern, value] of Object.entries(caps)) if (globMatch(pattern, name)) cap = cap === undefined ? value : Math.min(cap, value);
    return cap;
  }
}
