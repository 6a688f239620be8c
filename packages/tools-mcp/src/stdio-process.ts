import { spawn, type ChildProcess } from 'node:child_process';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

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
 * stderr kept, the exit recorded, lines split without re-copying the buffer, and `close()`
 * that ends stdin, then sends SIGTERM, then SIGKILL, and resolves once the process is gone.
 */
export class StdioProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;

  private child: ChildProcess | undefined;
  private stderrTail = '';
  private chunks: Buffer[] = [];
  private pending = 0;
  private exited: Promise<void> | undefined;
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
        ...(this.parameters.cwd ? { cwd: this.parameters.cwd } : {}),
      });
      this.child = child;
      let spawned = false;
      this.exited = new Promise((done) => {
        child.once('exit', (code, signal) => {
          this.exit = { code, signal };
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
      child.stderr!.on('data', (chunk: Buffer) => {
        this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
      });
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child?.stdin;
      if (!stdin || this.exit !== undefined || stdin.destroyed || !stdin.writable) return reject(new Error('Not connected'));
      if (stdin.write(`${JSON.stringify(message)}\n`)) resolve();
      else stdin.once('drain', resolve);
    });
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (this.exit === undefined) {
      child.stdin?.end();
      if (!(await this.waitExit(500))) {
        child.kill('SIGTERM');
        if (!(await this.waitExit(2_000))) {
          child.kill('SIGKILL');
          await this.waitExit(2_000);
        }
      }
    }
    child.stdin?.destroy();
    child.stdout?.destroy();
    child.stderr?.destroy();
    this.finish();
  }

  /** Splits stdout into lines; each is one JSON-RPC message. */
  private read(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      const piece = chunk.subarray(start, newline === -1 ? chunk.length : newline);
      if (this.pending + piece.length > this.parameters.maxMessageBytes) {
        this.failure = `the server sent a message larger than ${this.parameters.maxMessageBytes} bytes`;
        this.chunks = [];
        this.pending = 0;
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
