import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** POSIX process groups: each server runs in its own, stopped as a whole. */
const GROUPS = process.platform !== 'win32';

/** How much of a server's stderr is kept (the tail), for startup errors and `bridge.stderr`. */
export const STDERR_TAIL_BYTES = 4 * 1024;

/** Parameters of a server process. */
export interface ProcessParameters {
  readonly command: string;
  readonly args: readonly string[];
  /** The complete environment of the process (nothing else is inherited). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Largest JSON-RPC line accepted from the server; a longer one closes the connection. */
  readonly maxMessageBytes: number;
}

/**
 * MCP over stdio with a child process, like the SDK's `StdioClientTransport` but with the
 * environment exactly as given (the SDK adds HOME, LOGNAME, SHELL, TERM and USER), the tail of
 * stderr kept, the exit recorded, lines split without re-copying the buffer, the server in a
 * process group of its own, and `close()` that ends stdin, then sends SIGTERM, then SIGKILL (to
 * the whole group), and resolves once the process is gone. When the server exits by itself,
 * whatever it left running in its group is killed.
 */
export class StdioProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;

  private child: ChildProcess | undefined;
  private stderrTail = '';
  private readonly stderrDecoder = new StringDecoder('utf8');
  /** Set once stdout can no longer be trusted (an oversized message, stdout closed): later output is ignored. */
  private discarding = false;
  private chunks: Buffer[] = [];
  private pending = 0;
  private exited: Promise<void> | undefined;
  private drain: Promise<void> | undefined;
  private closedOnce = false;
  /** Why the connection ended, when it was not a plain exit (e.g. an oversized message). */
  failure: string | undefined;
  /** Exit code and signal, once the process has exited. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(private readonly parameters: ProcessParameters) {}

  /** Pid while the process runs. */
  get pid(): number | undefined {
    return this.child && this.exit === undefined ? this.child.pid : undefined;
  }

  /** The last `STDERR_TAIL_BYTES` of the server's stderr (unredacted). */
  get stderr(): string {
    return this.stderrTail;
  }

  start(): Promise<void> {
    if (this.child) return Promise.reject(new Error('the MCP server process was already started'));
    return new Promise((resolve, reject) => {
      const child = spawn(this.parameters.command, [...this.parameters.args], {
        env: { ...this.parameters.env },
        stdio: ['pipe', 'pipe', 'pipe'],
        shell: false,
        windowsHide: true,
        // Its own process group (POSIX), so that what the server starts (`npx` → node, `sh -c`,
        // helpers) is stopped with it. The pipes still end when this process dies, and servers
        // exit on end of input.
        detached: GROUPS,
        ...(this.parameters.cwd ? { cwd: this.parameters.cwd } : {}),
      });
      this.child = child;
      let spawned = false;
      this.exited = new Promise((done) => {
        child.once('exit', (code, signal) => {
          this.exit = { code, signal };
          // The leader is gone: what it started is orphaned, and nobody else would stop it.
          this.signalGroup('SIGKILL');
          // stderr and stdout may still hold data: wait for them briefly, never forever
          // (a grandchild may keep the pipes open).
          const timer = setTimeout(() => this.finish(), 200);
          child.once('close', () => {
            clearTimeout(timer);
            this.finish();
          });
          done();
        });
      });
      child.once('error', (error) => {
        if (!spawned) {
          this.exit ??= { code: null, signal: null };
          this.finish();
          reject(error);
        } else this.onerror?.(error);
      });
      child.once('spawn', () => {
        spawned = true;
        resolve();
      });
      child.stdin!.on('error', (error) => this.onerror?.(error));
      child.stdout!.on('error', (error) => this.onerror?.(error));
      child.stderr!.on('error', () => undefined);
      child.stdout!.on('data', (chunk: Buffer) => this.read(chunk));
      // A server that closes stdout but keeps running can never answer again: end the connection
      // now (pending calls fail mcp_unavailable) instead of letting every call run into its timeout.
      child.stdout!.once('end', () => {
        // An exiting process closes stdout too: give the exit a moment to be seen first.
        setTimeout(() => {
          if (this.exit !== undefined || this.closedOnce) return;
          this.failure ??= 'the server closed its stdout while still running';
          this.discarding = true;
          void this.close();
        }, 200).unref();
      });
      child.stderr!.on('data', (chunk: Buffer) => {
        // Only the tail is kept: cut the chunk first, so an endless stderr costs no more than 4 KB.
        const text = this.stderrDecoder.write(chunk.length > STDERR_TAIL_BYTES * 4 ? chunk.subarray(chunk.length - STDERR_TAIL_BYTES * 4) : chunk);
        this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_BYTES);
      });
    });
  }

  /** Bytes written to the server's stdin that it has not read yet (beyond what the pipe holds). */
  get backlog(): number {
    return this.child?.stdin?.writableLength ?? 0;
  }

  /**
   * Writes one message. A server that stops reading its stdin fills the pipe, and Node then keeps
   * every later write in memory: once earlier messages still wait there and this one would take
   * the waiting bytes past `maxMessageBytes`, the server is taken for wedged — the connection ends
   * (like an oversized message from the server) and the process is stopped, so memory stays bounded.
   */
  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child?.stdin;
      if (!stdin || this.exit !== undefined || this.discarding || stdin.destroyed || !stdin.writable) return reject(new Error('Not connected'));
      const line = `${JSON.stringify(message)}\n`;
      const waiting = stdin.writableLength;
      if (waiting > 0 && waiting + Buffer.byteLength(line) > this.parameters.maxMessageBytes) {
        this.failure ??= `the server stopped reading its stdin (${waiting} bytes of earlier messages still unread, and maxMessageBytes is ${this.parameters.maxMessageBytes})`;
        this.discarding = true;
        void this.close();
        return reject(new Error(this.failure));
      }
      if (stdin.write(line)) resolve();
      else this.drained(stdin).then(resolve, reject);
    });
  }

  /** Settles when stdin drains, or fails when it closes first (a write to a stopped server never hangs). One listener pair for all waiting writes. */
  private drained(stdin: Writable): Promise<void> {
    this.drain ??= new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        stdin.off('drain', onDrain);
        stdin.off('close', onClose);
        this.drain = undefined;
        if (error) reject(error);
        else resolve();
      };
      const onDrain = () => settle();
      const onClose = () => settle(new Error('the server\'s stdin closed before the message was written'));
      stdin.on('drain', onDrain);
      stdin.on('close', onClose);
    });
    return this.drain;
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (this.exit === undefined) {
      child.stdin?.end();
      if (!(await this.waitExit(500))) {
        this.signalGroup('SIGTERM') || child.kill('SIGTERM');
        if (!(await this.waitExit(2_000))) {
          this.signalGroup('SIGKILL') || child.kill('SIGKILL');
          await this.waitExit(2_000);
        }
      }
    }
    this.signalGroup('SIGKILL');
    child.stdin?.destroy();
    child.stdout?.destroy();
    child.stderr?.destroy();
    this.finish();
  }

  /** Splits stdout into lines; each is one JSON-RPC message. */
  private read(chunk: Buffer): void {
    if (this.discarding) return;
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      const piece = chunk.subarray(start, newline === -1 ? chunk.length : newline);
      if (this.pending + piece.length > this.parameters.maxMessageBytes) {
        this.failure = `the server sent a message larger than ${this.parameters.maxMessageBytes} bytes`;
        this.chunks = [];
        this.pending = 0;
        this.discarding = true;
        this.onerror?.(new Error(this.failure));
        void this.close();
        return;
      }
      if (newline === -1) {
        if (piece.length) {
          this.chunks.push(piece);
          this.pending += piece.length;
        }
        return;
      }
      const line = (this.chunks.length ? Buffer.concat([...this.chunks, piece]) : piece).toString('utf8').replace(/\r$/, '');
      this.chunks = [];
      this.pending = 0;
      start = newline + 1;
      if (line.trim()) this.deliver(line);
    }
  }

  private deliver(line: string): void {
    let message: JSONRPCMessage;
    try {
      message = JSONRPCMessageSchema.parse(JSON.parse(line));
    } catch (error) {
      // A line that is not JSON-RPC (a server printing to stdout) is skipped, not fatal.
      this.onerror?.(new Error(`ignored a line that is not a JSON-RPC message: ${(error as Error).message}`));
      return;
    }
    this.onmessage?.(message);
  }

  /**
   * Signals the server's process group (the server and what it started). The group id stays
   * reserved while any member lives, so this never reaches an unrelated process. False where
   * there are no groups (Windows) or the group is gone.
   */
  private signalGroup(signal: NodeJS.Signals): boolean {
    const pid = this.child?.pid;
    if (!GROUPS || !pid) return false;
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  private async waitExit(ms: number): Promise<boolean> {
    if (this.exit !== undefined) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([this.exited!.then(() => true), new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    })]);
    clearTimeout(timer);
    return exited;
  }

  private finish(): void {
    if (this.closedOnce) return;
    this.closedOnce = true;
    this.onclose?.();
  }
}
