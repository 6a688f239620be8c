import { decodeStored, type KillFlag } from '@agentrt/core';
import pg from 'pg';

/** What the listener needs from its store. */
export interface KillListenerOptions {
  /** Connection settings for the dedicated LISTEN connection (never a pooled one). */
  readonly clientConfig: pg.ClientConfig;
  /** The NOTIFY channel (already a valid identifier, unquoted). */
  readonly channel: string;
  /** `SELECT scope, reason, at FROM <kill table> WHERE set_at >= $1`: flags set while disconnected. */
  readonly replaySql: string;
  readonly onFlag: (flag: KillFlag) => void;
  /** A `SELECT 1` every this many ms, failing after as long, notices a silently dead connection. */
  readonly heartbeatMs: number;
}

const BACKOFF_MS = [50, 100, 250, 500, 1_000, 2_000];


/**
 * One dedicated connection that LISTENs for kill notifications and reconnects (with backoff)
 * when it drops. After a reconnect it replays the flags set since the previous connection was
 * listening, and its first connection those set since it was started, so a kill sent while it
 * was away (or not yet listening) still reaches the runs driven here. Kill flags are
 * also polled before every model and tool call: this connection only makes the abort immediate.
 */
export class KillListener {
  private client: pg.Client | undefined;
  private running = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Server time when the last connection started listening; flags set after it are replayed on reconnect. */
  private listeningSince: Date | undefined;

  constructor(private readonly options: KillListenerOptions) {}

  /** Monotonic ms when `start` was called: the first connection replays what was set since then. */
  private startedMono = 0;

  start(): void {
    if (this.running) return;
    this.running = true;
    this.startedMono = performance.now();
    void this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    const client = new pg.Client(this.options.clientConfig);
    this.client = client;
    let dropped = false;
    const drop = () => {
      if (dropped) return;
      dropped = true;
      if (this.client === client) {
        this.client = undefined;
        if (this.heartbeat) clearInterval(this.heartbeat);
        this.heartbeat = undefined;
      }
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', drop);
    client.on('end', drop);
    client.on('notification', (message) => {
      if (message.channel !== this.options.channel || !message.payload) return;
      let flag: KillFlag;
      try {
        flag = decodeStored<KillFlag>(message.payload, 'kill notification');
      } catch {
        return; // not ours, or from a newer version: the polled flag still applies
      }
      this.options.onFlag(flag);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.options.channel}"`);
      const previous = this.listeningSince;
      const now = await client.query<{ now: Date }>('SELECT clock_timestamp() AS now');
      const listeningAt = now.rows[0]!.now;
      this.listeningSince = listeningAt;
      // Flags set while nothing listened are replayed: since the previous connection listened (a
      // second of margin), or, on the first connection, since `start` — a kill sent while this
      // connection was still being set up would otherwise never reach a call in flight. That start
      // is the server's time now minus the local time since `start` (a duration, so the clocks need
      // not agree; it includes this connection's round trips, so it errs early).
      const since = previous
        ? new Date(previous.getTime() - 1_000)
        : new Date(listeningAt.getTime() - (performance.now() - this.startedMono) - 10);
      const missed = await client.query<{ scope: string; reason: string; at: string }>(this.options.replaySql, [since]);
      for (const row of missed.rows) this.options.onFlag({ scope: row.scope, reason: row.reason, at: row.at });
      this.failures = 0;
      if (!this.running) {
        await client.end().catch(() => undefined);
        return;
      }
      if (this.heartbeat) clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('heartbeat timed out')), this.options.heartbeatMs)));
        Promise.race([client.query('SELECT 1'), timeout]).then(() => clearTimeout(timer), () => {
          clearTimeout(timer);
          drop();
        });
      }, this.options.heartbeatMs);
      this.heartbeat.unref();
    } catch {
      drop();
    }
  }

  private scheduleReconnect(): void {
    if (!this.running || this.timer) return;
    const delay = BACKOFF_MS[Math.min(this.failures++, BACKOFF_MS.length - 1)]!;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, delay);
  }
}
