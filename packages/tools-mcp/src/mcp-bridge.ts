import { AgentrtError, delay, fingerprint, Redactor, type ContentPart, type Disposable, type SideEffects, type Tool, type ToolContext } from '@agentrt/core';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateTaskResultSchema, type LoggingMessageNotification, type ProgressNotification } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { bridgeTools } from './bridge-tools.js';
import { isHttpConfig, resolveServerConfig, TIMEOUT_GRACE_MS, type McpLogLevel, type McpServerConfig, type ResolvedServerConfig } from './config.js';
import { blockParts, checkParts, mapToolResult, resourceParts, simplify, type OutputValidator, type RawToolResult } from './content.js';
import type { Deadline } from './deadline.js';
import { jsonDepth, ListPageSchema, MAX_JSON_DEPTH, readListing, type Definition, type Listing } from './definitions.js';
import { McpConnection } from './mcp-connection.js';
import { OutputChecker } from './output-schema.js';
import { agentToolName, NameTable } from './tool-names.js';
import { BRIDGE_TOOL_NAMES } from './bridge-tools.js';
import type { McpBridgeOptions, McpLogEntry, McpPrompt, McpPromptResult, McpRequestOptions, McpResource, SkippedTool, ToolChange } from './bridge-types.js';

export type { McpBridgeOptions, McpLogEntry, McpPrompt, McpPromptResult, McpRequestOptions, McpResource, SkippedTool, ToolChange } from './bridge-types.js';

/**
 * Maps a result the server delivered. Whatever goes wrong here is about that result, not the
 * connection: an untyped error (a stack overflow on a hostile value) becomes `mcp_output_invalid`
 * and the server stays connected.
 */
function readingResult<T>(where: string, map: () => T): T {
  try {
    return map();
  } catch (error) {
    if (AgentrtError.isInstance(error)) throw error;
    throw new AgentrtError('mcp_output_invalid', `${where} returned a result that could not be read (${String((error as Error)?.message ?? error).slice(0, 200)})`);
  }
}

/** Roughly the size of a parsed JSON value as text, without recursion (any depth); stops counting past `limit`. */
function approximateBytes(value: unknown, limit: number): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && total <= limit) {
    const item = stack.pop();
    if (typeof item === 'string') total += item.length + 2;
    else if (typeof item !== 'object' || item === null) total += 8;
    else if (Array.isArray(item)) {
      total += 2 + item.length;
      for (const child of item) stack.push(child);
    } else {
      for (const [key, child] of Object.entries(item)) {
        total += key.length + 4;
        stack.push(child);
      }
    }
  }
  return total;
}

/** Calls a listener; a throwing one must not break the call or the connection. */
const notify = (listener: () => void) => {
  try {
    listener();
  } catch {
    // ignored
  }
};

const MAX_LIST_PAGES = 50;
/** Log messages of one server passed on per second (to `onLog` and the calls in flight); the rest are counted and reported as dropped. */
export const MAX_LOGS_PER_SECOND = 100;
/** Pause between two re-listings triggered by `notifications/tools/list_changed` (a storm becomes a few listings). */
const LIST_CHANGED_PAUSE_MS = 250;
const LOG_LEVEL_OF: Record<McpLogLevel, 'debug' | 'info' | 'warning' | 'error'> = {
  debug: 'debug', info: 'info', notice: 'info', warning: 'warning', error: 'error', critical: 'error', alert: 'error', emergency: 'error',
};
/** A tools/call result, read leniently: unknown content block types must not fail the call. */
const ToolResultSchema = z.looseObject({ content: z.unknown().optional(), structuredContent: z.unknown().optional(), isError: z.unknown().optional() });


/**
 * Bridges one MCP server (stdio child process, or Streamable HTTP) into agentrt.
 *
 * - Tools: each server tool becomes `<server>__<tool>` with the server's JSON schema; MCP
 *   annotations map to `sideEffects`. Results keep their content: images and files become
 *   content parts, resources text with their URI, structured content JSON (checked against
 *   the tool's `outputSchema`). Tools whose `execution.taskSupport` is `required` run as MCP
 *   tasks when the server supports them, and are not exposed (see `skipped`) when it does not.
 * - Pinning: definitions are fingerprinted at connect and re-listed before every call and on
 *   `notifications/tools/list_changed`. A changed or removed tool is disabled (`mcp_tool_changed`)
 *   and a new one waits, until `approveChanges(tool)`.
 * - Time: every call (restart, re-list and the call itself) is bounded by `timeoutMs`
 *   (`mcp_timeout`), optionally restarted by progress notifications; the caller's signal aborts it.
 * - Failures: a crashed server is restarted on the next call; a transport that is gone is
 *   `mcp_unavailable`, a JSON-RPC error from a live server `mcp_request_failed`.
 * - Isolation: a stdio server gets `PATH`, the `inheritEnv` variables and `env` only; an HTTP
 *   server is reached only at public addresses unless allowed, with headers never logged.
 *
 * @example
 * ```ts
 * const bridge = await McpBridge.connect({ name: 'files', command: 'node', args: [serverPath, root] });
 * const runtime = createRuntime({ model, tools: bridge.tools() });
 * // … runtime.close() does not close a bridge you connected yourself:
 * await bridge.close();
 * ```
 */
export class McpBridge implements Disposable {
  private readonly connection: McpConnection;
  private closed = false;
  private ready = false;
  private readonly redactor: Redactor;
  private readonly names: NameTable;
  private readonly pinned = new Map<string, { fingerprint: string; definition: Definition }>();
  private readonly disabled = new Map<string, ToolChange>();
  /** New tools waiting for approval (names in the latest listing only: a server renaming its tools on every listing must not grow this without end). */
  private readonly added = new Set<string>();
  private readonly wrapped = new Map<string, { fingerprint: string; tool: Tool }>();
  /** Checks structured results against output schemas off the main thread (a hostile schema cannot stall the process). */
  private readonly outputChecker = new OutputChecker();
  /** Listed tools that cannot be offered at all (invalid definition, name listed twice), from the latest listing. */
  private rejected: Listing['rejected'] = new Map();
  private readonly inflight = new Set<ToolContext>();
  /** Progress of calls in flight, by the progress token the bridge gave each (`notifications/progress`). */
  private readonly progressRoutes = new Map<string | number, (params: ProgressNotification['params']) => void>();
  private progressCounter = 0;
  private extraTools: Tool[] | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private logWindow = { startedAt: 0, count: 0, dropped: 0, timer: undefined as ReturnType<typeof setTimeout> | undefined };

  private constructor(private readonly settings: ResolvedServerConfig, private readonly options: McpBridgeOptions) {
    const config = settings.config;
    const secrets = [
      ...Object.values(isHttpConfig(config) ? (config.headers ?? {}) : {}),
      ...(!isHttpConfig(config) ? Object.entries(config.env ?? {}).filter(([key]) => new Redactor().isSecretKey(key)).map(([, value]) => value) : []),
    ].filter((value) => value.length >= 4);
    this.redactor = new Redactor({ secrets });
    this.names = new NameTable(settings.name);
    this.connection = new McpConnection(settings, this.redactor, {
      onListChanged: () => this.onListChanged(),
      onLogMessage: (params) => this.onLogMessage(params),
      onProgress: (params) => this.progressRoutes.get(params.progressToken)?.(params),
      onWarning: (message) => this.log({ server: this.name, level: 'warning', message }),
    });
  }

  /**
   * Starts (stdio) or reaches (HTTP) the server, initializes the session and pins its tool
   * definitions, all within `startupTimeoutMs`. On failure nothing is left running and the error
   * says why: `mcp_unavailable` (with the tail of the server's stderr), `mcp_timeout`,
   * `url_blocked`, or `config_invalid` for a bad config or two tools on one agentrt name.
   */
  static async connect(config: McpServerConfig, options: McpBridgeOptions = {}): Promise<McpBridge> {
    const settings = resolveServerConfig(config, `servers.${typeof config?.name === 'string' ? config.name : 'server'}`);
    const bridge = new McpBridge(settings, options);
    try {
      await bridge.connection.startup(async (client, deadline, setPhase) => {
        const listing = await bridge.listDefinitions(client, deadline);
        for (const definition of listing.definitions.values()) {
          if (bridge.wanted(definition.name)) bridge.pinned.set(definition.name, { fingerprint: fingerprint(definition), definition });
        }
        bridge.rejected = listing.rejected;
        bridge.tools(); // claims every name now: a clash fails here, not in the middle of a run
        if (settings.config.logLevel && bridge.connection.capabilities?.logging) {
          setPhase('setting the log level');
          const level = settings.config.logLevel;
          await bridge.connection.request(deadline, (options) => client.setLoggingLevel(level, options));
        }
      });
    } catch (error) {
      await bridge.close();
      throw error;
    }
    bridge.ready = true;
    for (const skipped of bridge.skipped) bridge.log({ server: settings.name, level: 'warning', message: `tool "${skipped.tool}" is not exposed: ${skipped.detail}` });
    const listed = settings.config.requireApproval;
    if (Array.isArray(listed)) {
      const offered = new Set([...bridge.pinned.keys(), ...BRIDGE_TOOL_NAMES]);
      const unknown = (listed as readonly string[]).filter((tool) => !offered.has(tool));
      if (unknown.length > 0) bridge.log({ server: settings.name, level: 'warning', message: `requireApproval names ${unknown.slice(0, 10).map((tool) => JSON.stringify(tool.slice(0, 100))).join(', ')}${unknown.length > 10 ? ', …' : ''}, which the server does not offer (check the spelling: a tool not named here runs without approval)` });
    }
    return bridge;
  }

  /** The server's short name (the tool-name prefix). */
  get name(): string {
    return this.settings.name;
  }

  /** Pid of the running server process (stdio; undefined when not running or over HTTP). */
  get pid(): number | undefined {
    return this.connection.pid;
  }

  /** The last 4 KB of the server's stderr (stdio), redacted. */
  get stderr(): string {
    return this.connection.stderr;
  }

  /** Tools disabled since connect (changed or removed) and new tools waiting for approval. */
  get changes(): readonly ToolChange[] {
    return [...this.disabled.values(), ...[...this.added].map((tool) => ({ server: this.name, tool, reason: 'added' as const }))];
  }

  /**
   * Server tools that are not exposed, with the reason: task-based execution the server cannot
   * provide (`task_required_unsupported`), a definition that does not follow the MCP schema or is
   * too large or too deep (`invalid_definition`), a name the server lists twice (`duplicate_name`).
   */
  get skipped(): readonly SkippedTool[] {
    const unsupported = [...this.pinned.values()].flatMap(({ definition }) => {
      const detail = this.unsupported(definition);
      return detail ? [{ server: this.name, tool: definition.name, reason: 'task_required_unsupported' as const, detail }] : [];
    });
    const rejected = [...this.rejected].filter(([tool]) => this.wanted(tool)).map(([tool, { reason, detail }]) => ({ server: this.name, tool, reason, detail }));
    return [...unsupported, ...rejected];
  }

  /**
   * The server's tools as agentrt tools: pinned, not disabled, not skipped; plus the resource and
   * prompt tools when enabled. New tools appear here once approved — a runtime's tool set is
   * fixed when it is built, so they reach runtimes built afterwards.
   */
  tools(): Tool[] {
    const tools: Tool[] = [];
    for (const [name, { fingerprint: print, definition }] of this.pinned) {
      if (this.disabled.has(name) || this.unsupported(definition)) continue;
      const cached = this.wrapped.get(name);
      if (cached?.fingerprint === print) {
        tools.push(cached.tool);
        continue;
      }
      const tool = this.wrap(definition);
      this.wrapped.set(name, { fingerprint: print, tool });
      tools.push(tool);
    }
    this.extraTools ??= bridgeTools(this, this.settings, (name, source) => this.names.claim(name, source), this.connection.capabilities ?? {});
    return [...tools, ...this.extraTools];
  }

  /**
   * Re-lists the server's tools and applies the pinning rule: a changed or removed tool is
   * disabled, a new one waits for approval. Returns the new changes. Runs by itself on
   * `notifications/tools/list_changed` and before every call.
   */
  async refresh(options: McpRequestOptions = {}): Promise<readonly ToolChange[]> {
    return this.connection.operation('listing tools', options.signal, async (client, deadline) => this.reconcile(await this.listDefinitions(client, deadline)));
  }

  /**
   * Accepts the server's current definition of `tool` (an explicit human decision): a changed
   * tool is re-enabled with it, a new tool is pinned and appears in `tools()`. Throws
   * `config_invalid` if its agentrt name is taken.
   */
  async approveChanges(tool: string, options: McpRequestOptions = {}): Promise<void> {
    const current = await this.connection.operation('listing tools', options.signal, async (client, deadline) => (await this.listDefinitions(client, deadline)).definitions.get(tool));
    if (current) {
      if (!this.unsupported(current)) this.names.claim(agentToolName(this.name, current.name), current.name);
      this.pinned.set(tool, { fingerprint: fingerprint(current), definition: current });
    }
    this.disabled.delete(tool);
    this.added.delete(tool);
  }

  /** Every resource the server lists (all pages). */
  async listResources(options: McpRequestOptions = {}): Promise<McpResource[]> {
    return this.connection.operation('listing resources', options.signal, async (client, deadline) => {
      const resources: McpResource[] = [];
      const seen = new Set<string>();
      let cursor: string | undefined;
      let bytes = 0;
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const params = cursor ? { cursor } : undefined;
        const result = await this.connection.request(deadline, (options) => client.listResources(params, options));
        bytes = this.listingBytes(bytes, result, 'resources');
        for (const resource of result.resources) {
          resources.push({ uri: resource.uri, name: resource.name, ...(resource.title ? { title: resource.title } : {}), ...(resource.description ? { description: resource.description } : {}), ...(resource.mimeType ? { mimeType: resource.mimeType } : {}) });
        }
        cursor = result.nextCursor && !seen.has(result.nextCursor) ? result.nextCursor : undefined;
        if (!cursor) break;
        seen.add(cursor);
      }
      return resources;
    });
  }

  /** Reads a resource: text contents as text with their URI, blobs as image/file parts (a string when all of it is text). */
  async readResource(uri: string, options: McpRequestOptions = {}): Promise<string | ContentPart[]> {
    if (typeof uri !== 'string' || uri.length === 0 || uri.length > 8_192) throw new AgentrtError('mcp_request_failed', 'a resource URI must be a non-empty string of at most 8 192 characters');
    return this.connection.operation('reading a resource', options.signal, async (client, deadline) => {
      const result = await this.connection.request(deadline, (options) => client.readResource({ uri }, options));
      const where = { where: `MCP resource "${uri.slice(0, 200)}" on "${this.name}"`, maxPartBytes: this.settings.maxPartBytes };
      return readingResult(where.where, () => simplify(checkParts(result.contents.flatMap((content) => resourceParts(content, where)), where), this.settings.media));
    });
  }

  /** Every prompt the server lists (all pages). */
  async listPrompts(options: McpRequestOptions = {}): Promise<McpPrompt[]> {
    return this.connection.operation('listing prompts', options.signal, async (client, deadline) => {
      const prompts: McpPrompt[] = [];
      const seen = new Set<string>();
      let cursor: string | undefined;
      let bytes = 0;
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const params = cursor ? { cursor } : undefined;
        const result = await this.connection.request(deadline, (options) => client.listPrompts(params, options));
        bytes = this.listingBytes(bytes, result, 'prompts');
        for (const prompt of result.prompts) {
          prompts.push({
            name: prompt.name,
            ...(prompt.title ? { title: prompt.title } : {}),
            ...(prompt.description ? { description: prompt.description } : {}),
            ...(prompt.arguments ? { arguments: prompt.arguments.map((argument) => ({ name: argument.name, ...(argument.description ? { description: argument.description } : {}), ...(argument.required !== undefined ? { required: argument.required } : {}) })) } : {}),
          });
        }
        cursor = result.nextCursor && !seen.has(result.nextCursor) ? result.nextCursor : undefined;
        if (!cursor) break;
        seen.add(cursor);
      }
      return prompts;
    });
  }

  /** Renders a prompt; each message's content is mapped like a tool result's. */
  async getPrompt(name: string, args: Readonly<Record<string, string>> = {}, options: McpRequestOptions = {}): Promise<McpPromptResult> {
    return this.connection.operation('getting a prompt', options.signal, async (client, deadline) => {
      const result = await this.connection.request(deadline, (options) => client.getPrompt({ name, arguments: { ...args } }, options));
      const where = { where: `MCP prompt "${name}" on "${this.name}"`, maxPartBytes: this.settings.maxPartBytes };
      const messages = readingResult(where.where, () => result.messages.map((message) => ({ role: message.role, content: simplify(checkParts(blockParts(message.content, where), where), this.settings.media) })));
      return { ...(result.description ? { description: result.description } : {}), messages };
    });
  }

  /** Stops the server (stdio: stdin closed, then SIGTERM, then SIGKILL) or ends the HTTP session. Later calls fail `mcp_unavailable`. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.logWindow.timer);
    this.outputChecker.close();
    await this.connection.close();
  }

  /** Runs one call of a server tool (what the wrapped tool's `execute` does). */
  private async call(tool: string, args: Record<string, unknown>, ctx: ToolContext): Promise<string | ContentPart[]> {
    ctx.signal.throwIfAborted();
    this.inflight.add(ctx);
    try {
      return await this.connection.operation('calling', ctx.signal, async (client, deadline, setPhase) => {
        setPhase('listing tools');
        this.reconcile(await this.listDefinitions(client, deadline));
        const change = this.disabled.get(tool);
        if (change) {
          throw new AgentrtError('mcp_tool_changed', `MCP tool "${tool}" on "${this.name}" was disabled: its ${change.reason === 'removed' ? 'definition disappeared' : 'description or schema changed after it was approved'}; an operator must re-approve it`);
        }
        const definition = this.pinned.get(tool)!.definition;
        setPhase('calling');
        const onprogress = (progress: ProgressNotification['params']) => {
          deadline.touch();
          const value = progress.progress;
          if (typeof value !== 'number' || !Number.isFinite(value)) return;
          const total = typeof progress.total === 'number' && Number.isFinite(progress.total) ? progress.total : undefined;
          const message = typeof progress.message === 'string' ? progress.message : undefined;
          notify(() => ctx.progress?.({ progress: value, ...(total !== undefined ? { total } : {}), ...(message !== undefined ? { message } : {}) }));
        };
        let raw: RawToolResult;
        if (definition.taskSupport === 'required') raw = await this.callTask(client, definition, args, ctx, deadline);
        else {
          // A token of the bridge's own, routed by it (see McpConnection): the route outlives the
          // SDK's reading of the answer, so progress sent just before it still reaches the call.
          const progressToken = `agentrt-${++this.progressCounter}`;
          this.progressRoutes.set(progressToken, onprogress);
          try {
            raw = (await this.connection.request(deadline, (options) => client.request({ method: 'tools/call', params: { name: tool, arguments: args, _meta: { progressToken } } }, ToolResultSchema, options))) as RawToolResult;
          } finally {
            this.progressRoutes.delete(progressToken);
          }
        }
        const validate = await this.validator(definition, raw, deadline);
        const where = `MCP tool "${tool}" on "${this.name}"`;
        return readingResult(where, () => mapToolResult(raw, { where, maxPartBytes: this.settings.maxPartBytes, media: this.settings.media, ...(validate ? { validate } : {}) }));
      }, this.sideEffectsOf(this.pinned.get(tool)?.definition));
    } finally {
      this.inflight.delete(ctx);
    }
  }

  /** A task-based call: create the task, poll it (status messages become progress), fetch its result; cancel it if we stop first. */
  private async callTask(client: Client, definition: Definition, args: Record<string, unknown>, ctx: ToolContext, deadline: Deadline): Promise<RawToolResult> {
    // Each request has a signal of its own (connection.request): polls do not pile up listeners.
    const created = await this.connection.request(deadline, (options) => client.request({ method: 'tools/call', params: { name: definition.name, arguments: args } }, CreateTaskResultSchema, { ...options, task: {} }));
    let task = created.task;
    const taskId = task.taskId;
    let lastMessage: string | undefined;
    try {
      while (task.status === 'working') {
        await delay(Math.min(5_000, Math.max(50, task.pollInterval ?? 500)), deadline.signal);
        task = await this.connection.request(deadline, (options) => client.experimental.tasks.getTask(taskId, options));
        if (task.statusMessage && task.statusMessage !== lastMessage) {
          lastMessage = task.statusMessage;
          deadline.touch();
          const message = task.statusMessage;
          notify(() => ctx.progress?.({ message }));
        }
      }
      if (task.status === 'failed' || task.status === 'cancelled') {
        throw new AgentrtError('mcp_tool_error', `MCP task ${taskId} of tool "${definition.name}" on "${this.name}" ${task.status === 'failed' ? 'failed' : 'was cancelled by the server'}${task.statusMessage ? `: ${task.statusMessage.slice(0, 2_000)}` : ''}`);
      }
      // completed, or input_required: tasks/result answers once the task is done.
      return (await this.connection.request(deadline, (options) => client.experimental.tasks.getTaskResult(taskId, ToolResultSchema, options))) as RawToolResult;
    } catch (error) {
      if (task.status === 'working' || task.status === 'input_required') {
        void client.experimental.tasks.cancelTask(taskId, { timeout: 2_000 }).catch(() => undefined);
      }
      throw error;
    }
  }

  /**
   * The server's tools (all pages, at most `MAX_LIST_PAGES`), read one by one: definitions that
   * are invalid, too large or too deep, and names listed twice, are rejected without failing the
   * others (see `readListing`). The SDK's `listTools` is not used: it compiles every output schema
   * on every listing and fails the whole listing on one bad tool.
   */
  private async listDefinitions(client: Client, deadline: Deadline): Promise<Listing> {
    const tools: unknown[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    let bytes = 0;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const params = cursor ? { cursor } : {};
      const result = await this.connection.request(deadline, (options) => client.request({ method: 'tools/list', params }, ListPageSchema, options));
      bytes = this.listingBytes(bytes, result, 'tools');
      for (const tool of result.tools) tools.push(tool);
      cursor = typeof result.nextCursor === 'string' && result.nextCursor && !seen.has(result.nextCursor) ? result.nextCursor : undefined;
      if (!cursor) break;
      seen.add(cursor);
    }
    return readListing(tools, `MCP server "${this.name}"`);
  }

  /**
   * The bytes of a listing so far, with one more page (its entries, and its cursor, which is kept
   * to spot a repeated one and sent back). Each page is at most `maxMessageBytes`; so is a whole
   * listing (tools, resources or prompts): 50 pages must not mean 50 × 32 MB held at once. Past
   * that, `mcp_output_invalid`.
   */
  private listingBytes(before: number, page: unknown, what: string): number {
    const bytes = before + approximateBytes(page, this.settings.maxMessageBytes - before);
    if (bytes > this.settings.maxMessageBytes) throw new AgentrtError('mcp_output_invalid', `MCP server "${this.name}" lists ${what} of more than ${this.settings.maxMessageBytes} bytes in all (maxMessageBytes)`);
    return bytes;
  }

  /** Applies the pinning rule to a fresh listing; tells `onToolChanged` about each new change. */
  private reconcile(listing: Listing): ToolChange[] {
    const current = listing.definitions;
    this.rejected = listing.rejected;
    const changes: ToolChange[] = [];
    for (const [name, pin] of this.pinned) {
      if (this.disabled.has(name)) continue;
      const now = current.get(name);
      // A pinned tool whose definition became invalid or ambiguous changed as much as one rewritten.
      const reason = !now ? (listing.rejected.has(name) ? 'description_or_schema_changed' : 'removed') : fingerprint(now) !== pin.fingerprint ? 'description_or_schema_changed' : undefined;
      if (reason) {
        const change: ToolChange = { server: this.name, tool: name, reason };
        this.disabled.set(name, change);
        changes.push(change);
      }
    }
    // A new tool the server no longer lists is no longer waiting for approval (listed again later, it is new again).
    for (const name of this.added) if (!current.has(name)) this.added.delete(name);
    for (const name of current.keys()) {
      if (this.pinned.has(name) || !this.wanted(name)) continue;
      if (!this.added.has(name)) changes.push({ server: this.name, tool: name, reason: 'added' });
      this.added.add(name);
    }
    for (const change of changes) notify(() => this.options.onToolChanged?.(change, this));
    return changes;
  }

  private wanted(tool: string): boolean {
    return !this.settings.config.tools || this.settings.config.tools.includes(tool);
  }

  /** Why a tool cannot be offered, or undefined. */
  private unsupported(definition: Definition): string | undefined {
    if (definition.taskSupport !== 'required' || this.connection.capabilities?.tasks?.requests?.tools?.call) return undefined;
    return 'it requires task-based execution (execution.taskSupport "required") but the server does not declare tasks for tools/call, so every call would fail';
  }

  /**
   * The tool's side effects: the `sideEffects` option (the tool's own entry, then `'*'`), then —
   * only with `trustAnnotations` — the server's hints, otherwise `non-idempotent` (MCP annotations
   * are untrusted hints: a hostile server could call a destructive tool read-only).
   */
  private sideEffectsOf(definition: Definition | undefined): SideEffects {
    const configured = this.settings.sideEffects;
    const explicit = (definition ? configured.get(definition.name) : undefined) ?? configured.get('*');
    if (explicit) return explicit;
    if (!this.settings.trustAnnotations) return 'non-idempotent';
    return definition?.annotations?.readOnlyHint ? 'none' : definition?.annotations?.idempotentHint ? 'idempotent' : 'non-idempotent';
  }

  /**
   * The verdict on a result's `structuredContent` against the tool's output schema, as the
   * validator `mapToolResult` expects. The check runs in the `OutputChecker`'s worker within the
   * call's budget (see `safeOutputSchema` for what is not checked, and why); results
   * `mapToolResult` refuses before validating (errors, no or malformed structured content, too
   * deep) are not sent there.
   */
  private async validator(definition: Definition, raw: RawToolResult, deadline: Deadline): Promise<OutputValidator | undefined> {
    const schema = definition.outputSchema;
    if (!schema) return undefined;
    const structured = raw.structuredContent;
    const checkable = raw.isError !== true && typeof structured === 'object' && structured !== null && !Array.isArray(structured) && jsonDepth(raw, MAX_JSON_DEPTH + 4) <= MAX_JSON_DEPTH + 4;
    if (!checkable) return () => ({ valid: true }); // mapToolResult refuses these itself, before asking
    const verdict = await this.outputChecker.check(`${definition.name}\u0000${fingerprint(schema)}`, schema, structured, deadline.signal);
    return () => verdict;
  }

  private wrap(definition: Definition): Tool {
    const name = this.names.claim(agentToolName(this.name, definition.name), definition.name);
    const { $schema: _drop, ...inputSchema } = definition.inputSchema;
    const spec = Object.freeze({ name, description: definition.description, inputSchema: { ...inputSchema, type: 'object' } });
    const approval = this.settings.approvalFor(definition.name);
    return Object.freeze({
      name,
      // Policy patterns match the server's own name too (`deny: ['delete']` denies `docs__delete`).
      originalName: definition.name,
      ...(this.settings.media === 'parts' ? { unsupportedContentHint: `MCP tool "${definition.name.slice(0, 100)}" of server "${this.name}" returned media: set media: 'text' on the server "${this.name}" (servers[].media) to get text notes instead of image and file parts` } : {}),
      description: definition.description,
      // The server validates against its own schema; agentrt checks the arguments are an object.
      input: z.record(z.string(), z.unknown()),
      spec,
      sideEffects: this.sideEffectsOf(definition),
      timeoutMs: this.settings.maxTotalTimeoutMs + TIMEOUT_GRACE_MS,
      // The server's `requireApproval` rule, through core's approval flow (pause, then resume with approvals).
      needsApproval: (args: unknown) => (approval === false ? false : approval(args)),
      mayNeedApproval: approval !== false,
      execute: (args: unknown, ctx: ToolContext) => this.call(definition.name, args as Record<string, unknown>, ctx),
    } satisfies Tool);
  }

  /**
   * Admits at most `MAX_LOGS_PER_SECOND` server log messages per second; past that they are
   * counted, and one warning says how many were dropped once the second is over.
   */
  private admitLog(): boolean {
    const window = this.logWindow;
    const now = Date.now();
    if (now - window.startedAt >= 1_000) {
      window.startedAt = now;
      window.count = 0;
    }
    if (window.count < MAX_LOGS_PER_SECOND) {
      window.count++;
      return true;
    }
    window.dropped++;
    window.timer ??= setTimeout(() => {
      window.timer = undefined;
      const dropped = window.dropped;
      window.dropped = 0;
      if (dropped > 0 && !this.closed) this.log({ server: this.name, level: 'warning', message: `dropped ${dropped} log messages of the server (more than ${MAX_LOGS_PER_SECOND} per second)` });
    }, 1_000 - (now - window.startedAt));
    window.timer.unref?.();
    return false;
  }

  /** Sends a log entry to `onLog` and, as a `tool_log` event, to one in-flight call of each run. */
  private log(entry: McpLogEntry): void {
    const redacted: McpLogEntry = { ...entry, message: this.redactor.text(entry.message), ...(entry.logger ? { logger: this.redactor.text(entry.logger) } : {}) };
    notify(() => this.options.onLog?.(redacted));
    const runs = new Set<string>();
    for (const ctx of this.inflight) {
      if (runs.has(ctx.runId)) continue;
      runs.add(ctx.runId);
      notify(() => ctx.log?.({ level: LOG_LEVEL_OF[entry.level] ?? 'info', message: `${redacted.logger ? `[${redacted.logger}] ` : ''}${redacted.message}` }));
    }
  }

  private onLogMessage(params: LoggingMessageNotification['params']): void {
    if (!this.admitLog()) return;
    let message: string;
    try {
      message = typeof params.data === 'string' ? params.data : JSON.stringify(params.data) ?? String(params.data);
    } catch {
      message = '[unserializable log data]';
    }
    this.log({ server: this.name, level: params.level, ...(params.logger ? { logger: params.logger.slice(0, 200) } : {}), message: message.slice(0, 2_000) });
  }

  private onListChanged(): void {
    // Before the first listing completes, that listing sees the change anyway.
    if (!this.ready || this.closed) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        await this.refresh().catch(() => undefined);
        // Notifications that came meanwhile are answered by one more listing, after a pause.
        if (this.refreshAgain) await new Promise<void>((resolve) => setTimeout(resolve, LIST_CHANGED_PAUSE_MS).unref());
      } while (this.refreshAgain && !this.closed);
    })().finally(() => {
      this.refreshing = undefined;
    });
  }
}
