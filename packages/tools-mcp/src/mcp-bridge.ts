import { AgentrtError, fingerprint, type Disposable, type Tool, type ToolContext } from '@agentrt/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { z } from 'zod';

/** One MCP server started over stdio. */
export interface McpServerConfig {
  /** Short name; tools are exposed as `<name>__<tool>`. */
  readonly name: string;
  readonly command: string;
  readonly args?: readonly string[];
  /** Environment of the server process. Default: only PATH (the runtime's secrets are not inherited). */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Per-call timeout. Default 30 000 ms. */
  readonly timeoutMs?: number;
  /** Expose only these server tools (by their MCP names). Default: all. */
  readonly tools?: readonly string[];
}

/** A tool definition as the server declared it. */
interface Definition {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
  readonly annotations?: { readOnlyHint?: boolean; idempotentHint?: boolean };
}

/** Why a tool was disabled. */
export interface ToolChange {
  readonly server: string;
  readonly tool: string;
  readonly reason: 'description_or_schema_changed' | 'removed';
}

const SAFE = /[^A-Za-z0-9_-]/g;

/**
 * Bridges one MCP server's tools into agentrt. Definitions are fingerprinted at connect and
 * re-listed before every call: a changed description or schema (a "rug pull") disables that
 * tool — calls fail with `mcp_tool_changed` (recorded in the run's audit as the tool result)
 * and `onToolChanged` is told — until `approveChanges(tool)` accepts the new definition. A
 * crashed server is restarted on the next call. The server process gets only the environment
 * you pass (not the runtime's), and never the caller's credentials.
 */
export class McpBridge implements Disposable {
  private client: Client | undefined;
  private transport: StdioClientTransport | undefined;
  private readonly pinned = new Map<string, { fingerprint: string; definition: Definition }>();
  private readonly disabled = new Map<string, ToolChange>();
  private connecting: Promise<void> | undefined;
  private closed = false;

  private constructor(readonly config: McpServerConfig, private readonly onToolChanged: (change: ToolChange) => void) {}

  /** Starts the server and pins its tool definitions. */
  static async connect(config: McpServerConfig, options: { onToolChanged?: (change: ToolChange) => void } = {}): Promise<McpBridge> {
    if (!config?.name || !/^[A-Za-z0-9_-]{1,24}$/.test(config.name)) throw new AgentrtError('config_invalid', 'McpServerConfig.name must match ^[A-Za-z0-9_-]{1,24}$');
    if (!config.command) throw new AgentrtError('config_invalid', 'McpServerConfig.command is required');
    const bridge = new McpBridge(config, options.onToolChanged ?? (() => undefined));
    await bridge.ensureConnected();
    for (const definition of await bridge.list()) bridge.pinned.set(definition.name, { fingerprint: fingerprint(definition), definition });
    return bridge;
  }

  /** Pid of the running server process (undefined when not running). */
  get pid(): number | undefined {
    return this.transport?.pid ?? undefined;
  }

  /** Tools currently disabled because their definition changed. */
  get changes(): readonly ToolChange[] {
    return [...this.disabled.values()];
  }

  /** Accepts a changed definition and re-enables the tool (an explicit human decision). */
  async approveChanges(tool: string): Promise<void> {
    const current = (await this.list()).find((definition) => definition.name === tool);
    if (current) this.pinned.set(tool, { fingerprint: fingerprint(current), definition: current });
    this.disabled.delete(tool);
  }

  /** The server's tools as agentrt tools (schemas as the server declared them). */
  tools(): Tool[] {
    const allow = this.config.tools;
    return [...this.pinned.values()]
      .filter(({ definition }) => !allow || allow.includes(definition.name))
      .map(({ definition }) => this.wrap(definition));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client?.close().catch(() => undefined);
    await this.transport?.close().catch(() => undefined);
    this.client = undefined;
    this.transport = undefined;
  }

  private wrap(definition: Definition): Tool {
    const name = `${this.config.name}__${definition.name}`.replace(SAFE, '_').slice(0, 64);
    const { $schema: _drop, ...inputSchema } = definition.inputSchema;
    const schema = { ...inputSchema, type: 'object' };
    const sideEffects = definition.annotations?.readOnlyHint ? 'none' : definition.annotations?.idempotentHint ? 'idempotent' : 'non-idempotent';
    const timeoutMs = this.config.timeoutMs ?? 30_000;
    return Object.freeze({
      name,
      description: definition.description,
      // The server validates against its own schema; agentrt checks the arguments are an object.
      input: z.record(z.string(), z.unknown()),
      spec: Object.freeze({ name, description: definition.description, inputSchema: schema }),
      sideEffects,
      timeoutMs,
      needsApproval: () => false,
      mayNeedApproval: false,
      execute: (args: unknown, ctx: ToolContext) => this.call(definition.name, args as Record<string, unknown>, ctx, timeoutMs),
    } satisfies Tool);
  }

  private async call(tool: string, args: Record<string, unknown>, ctx: ToolContext, timeoutMs: number): Promise<string> {
    ctx.signal.throwIfAborted();
    await this.ensureConnected();
    await this.verify(tool);
    const change = this.disabled.get(tool);
    if (change) throw new AgentrtError('mcp_tool_changed', `MCP tool "${tool}" on "${this.config.name}" was disabled: its ${change.reason === 'removed' ? 'definition disappeared' : 'description or schema changed after it was approved'}; an operator must re-approve it`);
    let result: { isError?: boolean; content?: unknown };
    try {
      result = (await this.client!.callTool({ name: tool, arguments: args }, undefined, { signal: ctx.signal, timeout: timeoutMs })) as typeof result;
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const message = (error as Error).message ?? String(error);
      if (/timed out|timeout/i.test(message)) throw new AgentrtError('mcp_timeout', `MCP tool "${tool}" did not answer within ${timeoutMs} ms`, { cause: error });
      throw new AgentrtError('mcp_unavailable', `MCP server "${this.config.name}" failed: ${message}`, { cause: error });
    }
    const text = Array.isArray(result.content)
      ? (result.content as { type: string; text?: string }[]).map((part) => (part.type === 'text' ? part.text ?? '' : `[${part.type} content]`)).join('\n')
      : '';
    if (result.isError) throw new AgentrtError('mcp_tool_error', text || `MCP tool "${tool}" reported an error`);
    return text;
  }

  /** Re-lists definitions and disables any pinned tool whose definition changed or disappeared. */
  private async verify(tool: string): Promise<void> {
    const pinned = this.pinned.get(tool);
    if (!pinned || this.disabled.has(tool)) return;
    const current = (await this.list()).find((definition) => definition.name === tool);
    const reason = !current ? 'removed' : fingerprint(current) !== pinned.fingerprint ? 'description_or_schema_changed' : undefined;
    if (reason) {
      const change: ToolChange = { server: this.config.name, tool, reason };
      this.disabled.set(tool, change);
      this.onToolChanged(change);
    }
  }

  private async list(): Promise<Definition[]> {
    await this.ensureConnected();
    const { tools } = await this.client!.listTools();
    return tools.map((tool) => ({
      name: tool.name,
      description: tool.description ?? '',
      inputSchema: (tool.inputSchema ?? { type: 'object' }) as Record<string, unknown>,
      ...(tool.annotations ? { annotations: { readOnlyHint: tool.annotations.readOnlyHint ?? false, idempotentHint: tool.annotations.idempotentHint ?? false } } : {}),
    }));
  }

  private ensureConnected(): Promise<void> {
    if (this.closed) return Promise.reject(new AgentrtError('mcp_unavailable', `MCP bridge "${this.config.name}" is closed`));
    if (this.client) return Promise.resolve();
    this.connecting ??= (async () => {
      const transport = new StdioClientTransport({
        command: this.config.command,
        args: [...(this.config.args ?? [])],
        env: { PATH: process.env.PATH ?? '', ...this.config.env },
        ...(this.config.cwd ? { cwd: this.config.cwd } : {}),
        stderr: 'ignore',
      });
      const client = new Client({ name: 'agentrt', version: '0.1.0' }, { capabilities: {} });
      transport.onclose = () => {
        // The server went away: the next call starts it again.
        if (this.transport === transport) {
          this.client = undefined;
          this.transport = undefined;
        }
      };
      try {
        await client.connect(transport);
      } catch (error) {
        await transport.close().catch(() => undefined);
        throw new AgentrtError('mcp_unavailable', `MCP server "${this.config.name}" did not start: ${(error as Error).message}`, { cause: error });
      }
      this.client = client;
      this.transport = transport;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }
}
