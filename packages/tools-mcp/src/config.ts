import { ConfigError, DEFAULT_MAX_PART_BYTES, type SideEffects } from '@agentrt/core';
import { z } from 'zod';

/** How long core waits beyond the bridge's own limit (the agentrt tool's `timeoutMs` is the bridge's plus this), so the bridge reports `mcp_timeout` first. */
export const TIMEOUT_GRACE_MS = 1_000;

/** MCP logging levels, lowest first. */
export type McpLogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error' | 'critical' | 'alert' | 'emergency';
export const MCP_LOG_LEVELS: readonly McpLogLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** Options every server has, whatever its transport. */
export interface McpServerCommon {
  /** Short name, `^[A-Za-z0-9_-]{1,24}$`; tools are exposed as `<name>__<tool>`. */
  readonly name: string;
  /**
   * Time one call may take in all: restarting a crashed server, re-listing tools (the rug-pull
   * check) and the call itself. On expiry the call fails with `mcp_timeout` (and the server is
   * told the request is cancelled). Default 30 000 ms. The agentrt tool's own `timeoutMs` is set
   * 1 s above the bridge's limit so the bridge, not core, reports the timeout.
   */
  readonly timeoutMs?: number;
  /** Time the server has to start, answer `initialize` and list its tools when the bridge connects. Default 30 000 ms. */
  readonly startupTimeoutMs?: number;
  /** A progress notification from the server restarts the `timeoutMs` clock (still bounded by `maxTotalTimeoutMs`). Default false. */
  readonly resetTimeoutOnProgress?: boolean;
  /** Hard limit of one call when `resetTimeoutOnProgress` is on. Default 10 × `timeoutMs`, at most 1 hour. */
  readonly maxTotalTimeoutMs?: number;
  /** Expose only these server tools (by their MCP names). Default: all. */
  readonly tools?: readonly string[];
  /** Also expose `<name>__list_resources` and `<name>__read_resource` tools (when the server has resources). Default false. */
  readonly resourceTools?: boolean;
  /** Also expose `<name>__list_prompts` and `<name>__get_prompt` tools (when the server has prompts). Default false. */
  readonly promptTools?: boolean;
  /** Ask the server to send log messages at this level and above (`logging/setLevel`). Default: the server's choice. */
  readonly logLevel?: McpLogLevel;
  /** Size limit of one image or file part in a result (decoded bytes). Default 5 MB (core's limit). */
  readonly maxPartBytes?: number;
  /**
   * How images, audio and files in results reach the model: `parts` (default) as content parts —
   * the model must accept them, or core refuses the request with `unsupported_content` — or
   * `text`, as text notes naming type, file name and size, for text-only models.
   */
  readonly media?: 'parts' | 'text';
  /** Largest single message accepted from the server; a larger one ends the connection (`mcp_unavailable`). Default 32 MB. */
  readonly maxMessageBytes?: number;
  /**
   * What the server's tools do to the world, as you judge it (the agentrt `sideEffects` of each
   * tool): one value for every tool, or a map from MCP tool names to values with `'*'` for the
   * rest — e.g. `{ search: 'none', '*': 'non-idempotent' }`. It wins over the server's annotations.
   * Tools it does not cover are `non-idempotent` (never re-run silently after a crash), unless
   * `trustAnnotations` is on.
   */
  readonly sideEffects?: SideEffects | Readonly<Record<string, SideEffects>>;
  /**
   * Believe the server's tool annotations for tools `sideEffects` does not cover: `readOnlyHint`
   * → `none`, `idempotentHint` → `idempotent`, otherwise `non-idempotent`. MCP calls annotations
   * untrusted hints unless the server is trusted, so this is off by default (a hostile server
   * could mark a destructive tool read-only and have it re-run after a crash). Default false.
   */
  readonly trustAnnotations?: boolean;
  /**
   * Which of this server's tools pause the run for a human decision before they run — core's
   * approval flow (`awaiting_approval`, then `runtime.resume(runId, { approvals })`), exactly as
   * a tool's own `requiresApproval`. `true`: every tool of the server, its resource and prompt
   * tools too; a list: these MCP tool names (the bridge's own tools as `list_resources`,
   * `read_resource`, `list_prompts`, `get_prompt`); a function of the MCP tool name and the
   * call's arguments (a copy: it cannot change the call) — it pauses unless it returns exactly
   * `false`; one that throws or returns a promise pauses too (fail closed). Names are matched
   * exactly; a listed name the server does not offer gets a warning through `onLog` at connect.
   * Default false.
   */
  readonly requireApproval?: boolean | readonly string[] | McpApprovalRule;
}

/** Decides per call whether an MCP tool needs a human's approval (see `requireApproval`). */
export type McpApprovalRule = (tool: string, args: Readonly<Record<string, unknown>>) => boolean;

/** A server started as a child process, spoken to over stdio. */
export interface McpStdioServerConfig extends McpServerCommon {
  readonly command: string;
  readonly args?: readonly string[];
  /**
   * Environment of the server process, added to `PATH` and the `inheritEnv` variables. The
   * process gets exactly these variables: not HOME, USER or anything else of the runtime's
   * environment (secrets stay in the runtime).
   */
  readonly env?: Readonly<Record<string, string>>;
  /** Names of runtime environment variables the server may see besides `PATH` (e.g. `['HOME', 'LANG']`). Default none. */
  readonly inheritEnv?: readonly string[];
  readonly cwd?: string;
}

/** A remote server over Streamable HTTP. */
export interface McpHttpServerConfig extends McpServerCommon {
  /** `https://…` endpoint (`http:` only with `allowHttp`). Credentials in the URL are refused: use `headers`. */
  readonly url: string;
  /** Sent with every request (e.g. `{ authorization: 'Bearer …' }`). Values are treated as secrets: never logged, redacted from errors and events. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * IPs or CIDRs the server may be reached at although they are private, loopback or
   * link-local (e.g. `['127.0.0.1/32']`). By default only public addresses are reachable.
   */
  readonly allowPrivateAddresses?: readonly string[];
  /** Allow plain `http:` (headers travel unencrypted). Default false. */
  readonly allowHttp?: boolean;
  /**
   * Resolves the server's host name (tests, split-horizon DNS). Default: the system resolver
   * (`dns.lookup`, every answer). Every answer must be an allowed IP address, or the connection
   * fails with `url_blocked`; the connection is made to the checked address.
   */
  readonly resolver?: McpResolver;
}

/** Resolves a host name to addresses; each answer's `address` is checked, its `family` is derived from the address. */
export type McpResolver = (hostname: string) => Promise<readonly { readonly address: string; readonly family?: number }[]>;

/** One MCP server: `command` (stdio) or `url` (Streamable HTTP). */
export type McpServerConfig = McpStdioServerConfig | McpHttpServerConfig;

/** A config with every default applied. */
export interface ResolvedServerConfig {
  readonly config: McpServerConfig;
  readonly name: string;
  readonly timeoutMs: number;
  readonly startupTimeoutMs: number;
  readonly resetTimeoutOnProgress: boolean;
  readonly maxTotalTimeoutMs: number;
  readonly maxPartBytes: number;
  readonly maxMessageBytes: number;
  readonly media: 'parts' | 'text';
  readonly trustAnnotations: boolean;
  /** Explicit side effects: by MCP tool name, with `'*'` for the rest (own keys only). */
  readonly sideEffects: ReadonlyMap<string, SideEffects>;
  /** The `requireApproval` option, per MCP tool name: `false`, or the rule a call's arguments go through. */
  readonly approvalFor: (tool: string) => false | ((args: unknown) => boolean);
}

const SERVER_NAME = /^[A-Za-z0-9_-]{1,24}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ms = (min: number, max: number) => z.number().int().min(min).max(max);
const sideEffect = z.enum(['none', 'idempotent', 'non-idempotent']);

const common = {
  name: z.string().regex(SERVER_NAME),
  timeoutMs: ms(100, 3_600_000).optional(),
  startupTimeoutMs: ms(100, 600_000).optional(),
  resetTimeoutOnProgress: z.boolean().optional(),
  maxTotalTimeoutMs: ms(100, 3_600_000).optional(),
  tools: z.array(z.string().min(1).max(256)).optional(),
  resourceTools: z.boolean().optional(),
  promptTools: z.boolean().optional(),
  logLevel: z.enum(MCP_LOG_LEVELS as [McpLogLevel, ...McpLogLevel[]]).optional(),
  maxPartBytes: z.number().int().min(1).max(64 * 1024 * 1024).optional(),
  media: z.enum(['parts', 'text']).optional(),
  maxMessageBytes: z.number().int().min(1024).max(512 * 1024 * 1024).optional(),
  sideEffects: z.union([sideEffect, z.record(z.string().min(1).max(1_024), sideEffect)]).optional(),
  trustAnnotations: z.boolean().optional(),
  requireApproval: z.union([
    z.boolean(),
    z.array(z.string().min(1).max(1_024)).max(10_000),
    z.custom<McpApprovalRule>((value) => typeof value === 'function', 'expected true, a list of MCP tool names, or a function (tool, args) => boolean'),
  ]).optional(),
};

const noControl = (value: string) => !/[\u0000-\u001f\u007f]/.test(value);

/** Zod schema of one server config (a stdio server or a Streamable HTTP server). */
export const mcpServerSchema = z.union([
  z.strictObject({
    ...common,
    command: z.string().min(1),
    args: z.array(z.string()).optional(),
    env: z.record(z.string().regex(ENV_NAME), z.string()).optional(),
    inheritEnv: z.array(z.string().regex(ENV_NAME)).optional(),
    cwd: z.string().min(1).optional(),
  }),
  z.strictObject({
    ...common,
    url: z.string().min(1),
    headers: z.record(z.string().regex(HEADER_NAME), z.string().refine(noControl, 'header values may not contain control characters')).optional(),
    allowPrivateAddresses: z.array(z.string()).optional(),
    allowHttp: z.boolean().optional(),
    resolver: z.custom<McpResolver>((value) => typeof value === 'function', 'expected a function (hostname) => Promise<{ address }[]>').optional(),
  }),
]);

/** True for a Streamable HTTP server config. */
export const isHttpConfig = (config: McpServerConfig): config is McpHttpServerConfig => typeof (config as McpHttpServerConfig).url === 'string';

/** Validates a server config (throws `config_invalid` naming the field) and applies the defaults. */
export function resolveServerConfig(config: McpServerConfig, field = 'server'): ResolvedServerConfig {
  if (typeof config === 'object' && config !== null && 'command' in config && 'url' in config) throw new ConfigError(field, 'give either command (stdio) or url (Streamable HTTP), not both');
  const parsed = mcpServerSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // A union reports its branches' issues; name the deepest path we can.
    const deepest = (issue as { errors?: { path: PropertyKey[]; message: string }[][] }).errors?.flat().sort((a, b) => b.path.length - a.path.length)[0];
    const path = [...issue.path, ...(deepest?.path ?? [])].map(String).join('.');
    throw new ConfigError(path ? `${field}.${path}` : field, deepest?.message ?? issue.message);
  }
  if (isHttpConfig(config)) checkUrl(config, field);
  const timeoutMs = config.timeoutMs ?? 30_000;
  const reset = config.resetTimeoutOnProgress ?? false;
  const maxTotalTimeoutMs = reset ? (config.maxTotalTimeoutMs ?? Math.min(timeoutMs * 10, 3_600_000)) : timeoutMs;
  if (maxTotalTimeoutMs < timeoutMs) throw new ConfigError(`${field}.maxTotalTimeoutMs`, 'must be at least timeoutMs');
  return {
    config,
    name: config.name,
    timeoutMs,
    startupTimeoutMs: config.startupTimeoutMs ?? 30_000,
    resetTimeoutOnProgress: reset,
    maxTotalTimeoutMs,
    maxPartBytes: config.maxPartBytes ?? DEFAULT_MAX_PART_BYTES,
    maxMessageBytes: config.maxMessageBytes ?? 32 * 1024 * 1024,
    media: config.media ?? 'parts',
    trustAnnotations: config.trustAnnotations ?? false,
    sideEffects: sideEffectsMap(config.sideEffects),
    approvalFor: approvalRule(config.requireApproval),
  };
}

/** The `requireApproval` option as a lookup by MCP tool name (own entries only: `__proto__` is a name like any other). */
function approvalRule(value: McpServerCommon['requireApproval']): ResolvedServerConfig['approvalFor'] {
  if (value === undefined || value === false) return () => false;
  const always = () => true;
  if (value === true) return () => always;
  if (Array.isArray(value)) {
    const names = new Set(value as readonly string[]);
    return (tool) => (names.has(tool) ? always : false);
  }
  const rule = value as McpApprovalRule;
  return (tool) => (args) => {
    try {
      // A copy: the rule cannot change the arguments the approver is shown or the server gets.
      const decided: unknown = rule(tool, structuredClone(args ?? {}) as Record<string, unknown>);
      if (decided !== null && typeof (decided as { then?: unknown })?.then === 'function') {
        (decided as Promise<unknown>).then(undefined, () => undefined);
        return true; // an async rule cannot answer in time: a human decides
      }
      return decided !== false;
    } catch {
      return true; // a rule that throws cannot vouch for the call (fail closed), as core does
    }
  };
}

/** The `sideEffects` option as a map (a single value applies to `'*'`); own keys only, so `__proto__` is a tool name like any other. */
function sideEffectsMap(value: McpServerCommon['sideEffects']): ReadonlyMap<string, SideEffects> {
  if (value === undefined) return new Map();
  if (typeof value === 'string') return new Map([['*', value]]);
  return new Map(Object.keys(value).map((key) => [key, value[key]!]));
}

function checkUrl(config: McpHttpServerConfig, field: string): void {
  let url: URL;
  try {
    url = new URL(config.url);
  } catch {
    throw new ConfigError(`${field}.url`, 'is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`${field}.url`, `scheme "${url.protocol}" is not allowed; use https:`);
  if (url.protocol === 'http:' && !config.allowHttp) throw new ConfigError(`${field}.url`, 'plain http: sends requests (and headers) unencrypted; use https: or set allowHttp');
  if (url.username || url.password) throw new ConfigError(`${field}.url`, 'credentials in the URL are not allowed; send them in headers');
}

/** The URL as it may appear in messages: origin and path, never credentials or the query. */
export const displayUrl = (value: string): string => {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '[invalid url]';
  }
};
