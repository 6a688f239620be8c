import { createHash } from 'node:crypto';
import { ConfigError } from '@agentrt/core';

const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The agentrt name of an MCP tool: `<server>__<tool>` when that is a valid tool name
 * (`^[A-Za-z0-9_-]{1,64}$`); otherwise the tool name with every other character replaced by
 * `_`, cut to fit, plus `_` and 8 hex digits of the SHA-256 of the original MCP name. The
 * rule depends on the name alone, so adding or removing another tool never renames one, and
 * `a.b` and `a_b` get different names (`s__a_b_<hash>` and `s__a_b`).
 */
export function agentToolName(server: string, tool: string): string {
  const plain = `${server}__${tool}`;
  if (TOOL_NAME.test(plain)) return plain;
  const hash = createHash('sha256').update(tool).digest('hex').slice(0, 8);
  return `${`${server}__${tool.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, 64 - 9)}_${hash}`;
}

/**
 * Records which MCP name owns which agentrt name; a second MCP name on the same agentrt name
 * (only possible through a hash collision or a clash with a bridge tool such as
 * `read_resource`) is a `config_invalid` error naming both.
 */
export class NameTable {
  private readonly owners = new Map<string, string>();

  constructor(private readonly server: string) {}

  /** Claims the agentrt name for `source` (an MCP tool name, or a label like `resources/read`) and returns it. */
  claim(agentName: string, source: string): string {
    const owner = this.owners.get(agentName);
    if (owner !== undefined && owner !== source) {
      throw new ConfigError(`servers.${this.server}.tools`, `MCP tools ${JSON.stringify(owner)} and ${JSON.stringify(source)} on server "${this.server}" both map to the agentrt tool name "${agentName}"; expose only one of them with the tools allowlist`);
    }
    this.owners.set(agentName, source);
    return agentName;
  }

  /** The MCP name that owns an agentrt name, if any. */
  ownerOf(agentName: string): string | undefined {
    return this.owners.get(agentName);
  }
}
