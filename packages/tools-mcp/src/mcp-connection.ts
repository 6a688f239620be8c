import { AddressPolicy, AgentrtError, type Redactor, type SideEffects } from '@agentrt/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode, LoggingMessageNotificationSchema, McpError, ProgressNotificationSchema, ToolListChangedNotificationSchema,
  type LoggingMessageNotification, type ProgressNotification, type ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { displayUrl, isHttpConfig, type ResolvedServerConfig } from './config.js';
import { Deadline, raceAbort } from './deadline.js';
import { guardedFetch, type GuardedFetch } from './guarded-fetch.js';
import { boundReconnection, MAX_RECONNECT_ATTEMPTS, MAX_RECONNECT_MS, MIN_RECONNECT_MS } from './reconnection.js';
import { StdioProcessTransport } from './stdio-process.js';

const CLIENT_INFO = { name: 'agentrt', version: '0.1.0' };

/** What the connection tells its bridge. */
export interface ConnectionEvents {
  readonly onListChanged: () => void;
  readonly onLogMessage: (params: LoggingMessageNotification['params']) => void;
  /** A `notifications/progress` from the server (every one: progress tokens are the bridge's own). */
  readonly onProgress: (params: ProgressNotification['params']) => void;
  /** Something the operator should know that is not an error of a call (a wedged server stopped). */
  readonly onWarning: (message: string) => void;
}

/** Longest wait for the ping that tells a wedged stdio server from a slow tool, after a call timed out. */
export const MAX_PROBE_MS = 5_000;

/** Work done with a connected client inside a time budget. */
export type Work<T> = (client: Client, deadline: Deadline, setPhase: (phase: string) => void) => Promise<T>;

/** A thrown value as one line for an error message (HTTP status included). */
const describe = (error: unknown) => {
  const message = (error as Error)?.message ?? String(error);
  return error instanceof StreamableHTTPError && error.code !== undefined ? `HTTP ${error.code}: ${message}` : message;
};
/** Longest part of a server's JSON-RPC error message kept in the error (the rest is cut, visibly). */
const MAX_RPC_MESSAGE_CHARS = 2_000;
const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}… [${text.length - max} more characters cut]` : text);

/** A JSON-RPC error a live server sent under a code the SDK also uses for its own local failures. */
class ServerSentError extends Error {
  constructor(readonly error: McpError) {
    super(error.message);
  }
}

/**
 * Throws a `ServerSentError` when `error` is a JSON-RPC error the server sent although its code is
 * one the SDK uses for its own failures: `-32000` (ConnectionClosed, also the code many servers
 * use for any server error) while the client's transport is still open, or `-32001`
 * (RequestTimeout) while the call's budget has not run out (the SDK's own timer is set past it).
 * Read by their code alone, they would be taken for a lost connection (and the server restarted,
 * failing the other calls in flight) or a timeout.
 */
function serverSentError(error: unknown, client: Client, deadline: Deadline): void {
  if (!(error instanceof McpError)) return;
  if (error.code === ErrorCode.ConnectionClosed && client.transport !== undefined) throw new ServerSentError(error);
  if (error.code === ErrorCode.RequestTimeout && !deadline.expired && client.transport !== undefined) throw new ServerSentError(error);
}
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
const isValidationError = (error: unknown) => typeof error === 'object' && error !== null && Array.isArray((error as { issues?: unknown }).issues);

/**
 * One server's connection: starts the stdio process (exactly the configured environment) or
 * opens the Streamable HTTP session (through the address-checked fetch), restarts it after it
 * went away, bounds every operation by the server's time budget and turns every failure into a
 * typed error:
 * - `mcp_timeout`: the budget ran out (connect, list or call), including a server hanging on `initialize`;
 * - `mcp_unavailable`: the transport is gone or never came up (startup errors carry the tail of stderr);
 * - `mcp_request_failed`: a JSON-RPC error from a live server;
 * - `mcp_output_invalid`: a response that does not parse.
 */
export class McpConnection {
  private client: Client | undefined;
  private transport: Transport | undefined;
  private lastTransport: Transport | undefined;
  /** The address-checked fetch of each HTTP transport (closed with it). */
  private readonly guards = new WeakMap<Transport, GuardedFetch>();
  /** Why an HTTP transport was dropped by the bridge (e.g. an oversized message). */
  private readonly httpFailures = new WeakMap<Transport, string>();
  private connecting: Promise<Client> | undefined;
  /** A health check after a timeout (stdio): operations wait for it, so none starts on a wedged server. */
  private probing: Promise<void> | undefined;
  private closed = false;
  /** What the server declared at its latest `initialize` (kept while it restarts). */
  capabilities: ServerCapabilities | undefined;

  constructor(private readonly settings: ResolvedServerConfig, private readonly redactor: Redactor, private readonly events: ConnectionEvents) {}

  private get name(): string {
    return this.settings.name;
  }

  /** Pid of the running server process (stdio only). */
  get pid(): number | undefined {
    return this.transport instanceof StdioProcessTransport ? this.transport.pid : undefined;
  }

  /** The tail of the (last) server process's stderr, redacted. */
  get stderr(): string {
    const transport = this.transport ?? this.lastTransport;
    return transport instanceof StdioProcessTransport ? this.redactor.text(transport.stderr) : '';
  }

  /** First connection: starts the server, then runs `work` (listing, pinning) within `startupTimeoutMs`. */
  async startup<T>(work: Work<T>): Promise<T> {
    let phase = 'starting the server';
    const deadline = new Deadline({ totalMs: this.settings.startupTimeoutMs, timeoutError: () => this.timeoutError(phase, this.settings.startupTimeoutMs) });
    try {
      // The connection has its own startup bound (which keeps the server's stderr in the error).
      const client = await this.ensureConnected(undefined);
      phase = 'listing tools';
      try {
        return await work(client, deadline, (next) => {
          phase = next;
        });
      } catch (error) {
        serverSentError(error, client, deadline);
        throw error;
      }
    } catch (error) {
      throw this.failure(error, deadline, undefined, phase);
    } finally {
      deadline.dispose();
    }
  }

  /**
   * Runs `work` with a connected client (starting the server again if it went away) inside the
   * server's time budget: `timeoutMs` (an idle clock restarted by `deadline.touch()` when
   * `resetTimeoutOnProgress` is on, capped by `maxTotalTimeoutMs`). The caller's signal aborts it.
   */
  async operation<T>(phase: string, signal: AbortSignal | undefined, work: Work<T>, sideEffects?: SideEffects): Promise<T> {
    // A health check in progress decides whether the server is replaced: wait for it (at most
    // MAX_PROBE_MS, or the caller's abort) before the budget starts, so that no call is sent to a
    // wedged server and the check does not eat the next call's time.
    while (this.probing) {
      const probing = this.probing;
      await raceAbort(probing, signal);
      if (this.probing === probing) break;
    }
    let current = 'starting the server';
    const { resetTimeoutOnProgress, timeoutMs, maxTotalTimeoutMs } = this.settings;
    const deadline = new Deadline({
      totalMs: maxTotalTimeoutMs,
      ...(resetTimeoutOnProgress ? { idleMs: timeoutMs } : {}),
      ...(signal ? { parent: signal } : {}),
      timeoutError: () => this.timeoutError(current, resetTimeoutOnProgress ? timeoutMs : maxTotalTimeoutMs, sideEffects),
    });
    let connected: Client | undefined;
    try {
      for (let attempt = 0; ; attempt++) {
        current = 'starting the server';
        const client = await this.connectedWithin(deadline.signal);
        connected = client;
        current = phase;
        try {
          return await work(client, deadline, (next) => {
            current = next;
          });
        } catch (error) {
          serverSentError(error, client, deadline);
          // HTTP 404 on a session: the server forgot it (e.g. restarted) and did not process the
          // request, so a new session is started and the work repeated, once (as the spec asks).
          if (attempt > 0 || !(error instanceof StreamableHTTPError) || error.code !== 404 || deadline.signal.aborted) throw error;
          await this.drop();
        }
      }
    } catch (error) {
      if (deadline.expired && connected) this.checkHealth(connected);
      throw this.failure(error, deadline, signal, current);
    } finally {
      deadline.dispose();
    }
  }

  /**
   * The connected client, within an operation's budget. A connection attempt this operation
   * joined (started for an earlier one, whose budget may be long spent, e.g. on a session start
   * the server never acknowledged) that fails is not this operation's failure: it starts one
   * attempt of its own, within its own budget.
   */
  private async connectedWithin(signal: AbortSignal): Promise<Client> {
    const joined = this.connecting !== undefined;
    try {
      return await this.ensureConnected(signal);
    } catch (error) {
      if (!joined || signal.aborted || this.closed) throw error;
      return this.ensureConnected(signal);
    }
  }

  /**
   * After an operation ran out of time: tells a wedged server (or session) from a slow tool.
   * A stdio server that has not read what was written to it (bytes still wait in the pipe), or
   * any server that does not answer a `ping` within `min(timeoutMs, MAX_PROBE_MS)`, is replaced:
   * a stdio server is stopped (its process group killed), an HTTP session is ended (`DELETE`,
   * bounded) and forgotten; the next operation starts a new server or session. Operations wait for
   * the check (before their budget starts). A server that answers the ping is kept (a tool may
   * simply be slow; other calls may be in flight on it).
   */
  private checkHealth(client: Client): void {
    const transport = this.transport;
    if (this.closed || this.probing || this.client !== client || transport === undefined) return;
    const restart = (why: string) => {
      if (this.client !== client) return;
      if (transport instanceof StdioProcessTransport) {
        transport.failure ??= why;
        this.events.onWarning(`MCP server "${this.name}" ${why}: stopping it (pid ${transport.pid ?? 'unknown'}); the next call starts it again`);
      } else {
        if (!this.httpFailures.has(transport)) this.httpFailures.set(transport, `its session was ended: the server ${why}`);
        this.events.onWarning(`MCP server "${this.name}" ${why}: ending its session; the next call starts a new one`);
      }
      void this.drop();
    };
    if (transport instanceof StdioProcessTransport && transport.backlog > 0) {
      restart(`stopped reading its stdin (${transport.backlog} bytes of requests unread when a call timed out)`);
      return;
    }
    const ms = Math.min(this.settings.timeoutMs, MAX_PROBE_MS);
    this.probing = client.ping({ timeout: ms }).then(
      () => undefined,
      (error: unknown) => {
        // A closed connection is handled as such (restarted on the next call); anything else is no answer.
        if (client.transport !== undefined) restart(`did not answer a ping within ${ms} ms after a call timed out (${this.detail(error)})`);
      },
    ).finally(() => {
      this.probing = undefined;
    });
  }

  /**
   * Sends one SDK request within a deadline, with a signal of its own that aborts with the
   * deadline's. The SDK never removes the abort listener it adds to a request's signal, and on
   * abort cancels that request: sharing the deadline's signal between the requests of one
   * operation (listing pages, task polls) would pile listeners up and cancel finished requests.
   * The SDK's own timer is only a backstop.
   */
  async request<T>(deadline: Deadline, send: (options: { signal: AbortSignal; timeout: number }) => Promise<T>): Promise<T> {
    const parent = deadline.signal;
    const controller = new AbortController();
    const onAbort = () => controller.abort(parent.reason);
    if (parent.aborted) onAbort();
    else parent.addEventListener('abort', onAbort, { once: true });
    try {
      return await send({ signal: controller.signal, timeout: deadline.sdkTimeoutMs });
    } finally {
      parent.removeEventListener('abort', onAbort);
    }
  }

  /** Stops the server (stdio: stdin closed, then SIGTERM, then SIGKILL) or ends the HTTP session; later operations fail `mcp_unavailable`. */
  async close(): Promise<void> {
    this.closed = true;
    const connecting = this.connecting;
    await this.drop();
    await connecting?.catch(() => undefined);
    await this.drop();
  }

  private timeoutError(phase: string, ms: number, sideEffects?: SideEffects): AgentrtError {
    const unknown = sideEffects === 'non-idempotent' ? '; its effect may or may not have happened, so do not assume either' : '';
    return new AgentrtError('mcp_timeout', `MCP server "${this.name}" did not answer within ${ms} ms (while ${phase})${unknown}`, { retryable: true });
  }

  /** Maps anything thrown during an operation to a typed error. */
  private failure(error: unknown, deadline: Deadline, signal: AbortSignal | undefined, phase: string): unknown {
    if (signal?.aborted) return signal.reason ?? error;
    // Typed errors are the most precise (a startup timeout carries the server's stderr).
    if (AgentrtError.isInstance(error)) return error;
    if (deadline.expired) return deadline.signal.reason;
    if (error instanceof McpError && error.code !== ErrorCode.ConnectionClosed) {
      if (error.code === ErrorCode.RequestTimeout) return this.timeoutError(phase, this.settings.timeoutMs);
      return this.requestFailed(error, phase);
    }
    if (error instanceof ServerSentError) return this.requestFailed(error.error, phase);
    if (isValidationError(error)) {
      return new AgentrtError('mcp_output_invalid', `MCP server "${this.name}" sent a malformed response while ${phase}: ${this.redactor.text(String((error as Error).message).slice(0, 500))}`);
    }
    // The transport is gone (process exited, connection refused or dropped): reconnect next time.
    const failure = this.unavailable(`failed while ${phase}: ${this.detail(error)}`, error, false);
    void this.drop();
    return failure;
  }

  /**
   * A thrown value as one line for an error message, redacted, then cut at
   * `MAX_RPC_MESSAGE_CHARS`: the server controls it (the SDK puts the whole body of an HTTP error
   * answer into its message, up to `maxMessageBytes`), and it goes into errors and logs.
   */
  private detail(error: unknown): string {
    return cut(this.redactor.text(describe(error)), MAX_RPC_MESSAGE_CHARS);
  }

  /** `mcp_request_failed` for a JSON-RPC error the server sent (its message cut: a server may send megabytes). */
  private requestFailed(error: McpError, phase: string): AgentrtError {
    return new AgentrtError('mcp_request_failed', `MCP server "${this.name}" refused the request while ${phase} (JSON-RPC ${error.code}): ${this.redactor.text(cut(error.message, MAX_RPC_MESSAGE_CHARS))}`, { details: { rpcCode: error.code } });
  }

  /** `mcp_unavailable` with what is known about the process: why the connection ended, its exit, and (at startup) the tail of stderr. */
  private unavailable(what: string, cause: unknown, withStderr: boolean): AgentrtError {
    const transport = this.transport ?? this.lastTransport;
    let context = '';
    const httpFailure = transport ? this.httpFailures.get(transport) : undefined;
    if (httpFailure) context += `; ${httpFailure}`;
    if (transport instanceof StdioProcessTransport) {
      if (transport.failure) context += `; ${transport.failure}`;
      if (transport.exit) context += `; the process exited (${transport.exit.signal ? `signal ${transport.exit.signal}` : `code ${transport.exit.code}`})`;
      const stderr = transport.stderr.trim();
      if (withStderr && stderr) context += `; stderr: ${stderr}`;
    }
    return new AgentrtError('mcp_unavailable', this.redactor.text(`MCP server "${this.name}" ${what}${context}`), { cause, retryable: true });
  }

  /** The connected client; starts the server (or the HTTP session) when there is none. The caller's signal bounds only its own wait. */
  private ensureConnected(signal: AbortSignal | undefined): Promise<Client> {
    if (this.closed) return Promise.reject(new AgentrtError('mcp_unavailable', `MCP bridge "${this.name}" is closed`));
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connectOnce().finally(() => {
      this.connecting = undefined;
    });
    return raceAbort(this.connecting, signal);
  }

  private createTransport(): Transport {
    const config = this.settings.config;
    if (isHttpConfig(config)) {
      let transport: StreamableHTTPClientTransport | undefined;
      const guard = guardedFetch(new AddressPolicy(config.allowPrivateAddresses ?? [], `servers.${this.name}.allowPrivateAddresses`), {
        allowHttp: config.allowHttp ?? false,
        maxResponseBytes: this.settings.maxMessageBytes,
        // Notifications, responses and DELETE are acknowledged at once by a working server.
        ackTimeoutMs: Math.min(this.settings.timeoutMs, MAX_PROBE_MS),
        label: `MCP server "${this.name}"`,
        ...(config.resolver ? { resolver: config.resolver } : {}),
        // As over stdio: a message over maxMessageBytes ends the connection (its calls fail at once), the next call starts a new session.
        onTooLarge: (message) => {
          if (!transport || this.httpFailures.has(transport)) return;
          this.httpFailures.set(transport, message);
          if (this.transport === transport) void this.drop();
        },
      });
      transport = new StreamableHTTPClientTransport(new URL(config.url), {
        fetch: guard.fetch,
        requestInit: { headers: { ...config.headers } },
        reconnectionOptions: { maxRetries: MAX_RECONNECT_ATTEMPTS, initialReconnectionDelay: MIN_RECONNECT_MS, maxReconnectionDelay: MAX_RECONNECT_MS, reconnectionDelayGrowFactor: 2 },
      });
      // A server's `retry:` must neither make the transport reconnect in a loop nor leave timers behind a close.
      boundReconnection(transport);
      // The client chains its own handler after this one: every answer ends its HTTP exchange
      // (a server that keeps the event stream of an answered request open holds no socket).
      transport.onmessage = (message) => {
        if ('id' in message && ('result' in message || 'error' in message)) guard.settle(message.id);
      };
      this.guards.set(transport, guard);
      return transport;
    }
    // Exactly PATH, the variables named in inheritEnv, and env: nothing else of this process.
    const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
    for (const name of config.inheritEnv ?? []) if (process.env[name] !== undefined) env[name] = process.env[name]!;
    Object.assign(env, config.env);
    return new StdioProcessTransport({ command: config.command, args: config.args ?? [], env, ...(config.cwd ? { cwd: config.cwd } : {}), maxMessageBytes: this.settings.maxMessageBytes });
  }

  private async connectOnce(): Promise<Client> {
    const config = this.settings.config;
    const transport = this.createTransport();
    this.lastTransport = transport;
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    client.onerror = () => undefined;
    client.onclose = () => {
      // The server went away: the next operation starts it again.
      if (this.client === client) {
        this.client = undefined;
        this.transport = undefined;
      }
    };
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => this.events.onListChanged());
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => this.events.onLogMessage(notification.params));
    // Progress is routed by the bridge, not the SDK: the SDK forgets a request's progress handler
    // as it reads the answer, and runs notification handlers a microtask later, so progress the
    // server sent just before the answer (both in one read: a busy client) was dropped.
    client.setNotificationHandler(ProgressNotificationSchema, (notification) => this.events.onProgress(notification.params));
    const startup = new Deadline({ totalMs: this.settings.startupTimeoutMs, timeoutError: () => this.timeoutError('starting the server', this.settings.startupTimeoutMs) });
    try {
      // The SDK bounds only the initialize request by this signal, not the initialized
      // notification after it: a server that never acknowledges that would hold the connection
      // attempt (and every operation waiting for it) forever.
      await raceAbort(client.connect(transport, { signal: startup.signal, timeout: startup.sdkTimeoutMs }), startup.signal);
    } catch (error) {
      await transport.close().catch(() => undefined);
      this.guards.get(transport)?.close();
      if (startup.expired) {
        const reason = startup.signal.reason as AgentrtError;
        const stderr = transport instanceof StdioProcessTransport ? transport.stderr.trim() : '';
        throw stderr ? new AgentrtError(reason.code, this.redactor.text(`${reason.message}; stderr: ${stderr}`), { retryable: true }) : reason;
      }
      if (AgentrtError.isInstance(error)) throw error;
      const where = isHttpConfig(config) ? `at ${displayUrl(config.url)}` : `(${config.command})`;
      // A live server that answers initialize with a JSON-RPC error refused the session: that is not "unavailable".
      if (error instanceof McpError && error.code !== ErrorCode.ConnectionClosed && error.code !== ErrorCode.RequestTimeout) {
        throw new AgentrtError('mcp_request_failed', this.redactor.text(`MCP server "${this.name}" ${where} refused to initialize (JSON-RPC ${error.code}): ${cut(error.message, MAX_RPC_MESSAGE_CHARS)}`), { details: { rpcCode: error.code } });
      }
      throw this.unavailable(`${where} did not start: ${this.detail(error)}`, error, true);
    } finally {
      startup.dispose();
    }
    if (this.closed) {
      await client.close().catch(() => undefined);
      this.guards.get(transport)?.close();
      throw new AgentrtError('mcp_unavailable', `MCP bridge "${this.name}" is closed`);
    }
    this.capabilities = client.getServerCapabilities();
    this.client = client;
    this.transport = transport;
    return client;
  }

  /** Forgets the current connection and closes it (ending an HTTP session politely, bounded). */
  private async drop(): Promise<void> {
    const { client, transport } = this;
    this.client = undefined;
    this.transport = undefined;
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId) {
      await Promise.race([transport.terminateSession().catch(() => undefined), sleep(1_000)]);
    }
    await client?.close().catch(() => undefined);
    await transport?.close().catch(() => undefined);
    if (transport) this.guards.get(transport)?.close();
  }
}
