import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StateStore } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { reservedPort } from '@agentrt/testing';
import pg from 'pg';

/** The PostgreSQL the suite runs against (`pnpm test` guarantees one answers). */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema name no other test uses. */
export const freshSchema = () => `agentrt_t_${randomUUID().replace(/-/g, '').slice(0, 20)}`;

/** Runs one statement on its own short-lived connection. */
export async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params: unknown[] = [], url = DATABASE_URL): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** Drops a schema this suite created (never one it did not). */
export const dropSchema = (schema: string, url = DATABASE_URL) => sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`, [], url);

/** Polls `check` until it holds; fails after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The directory of PostgreSQL's server binaries (`pnpm test` sets PG_BIN_DIR; else the newest Debian install). */
export function pgBinDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions[0]) return join(base, versions[0], 'bin');
  const initdb = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
  if (!initdb) throw new Error('initdb not found: install postgresql or set PG_BIN_DIR');
  return initdb.replace(/\/initdb$/, '');
}

/**
 * A private PostgreSQL cluster for destructive tests (restart, crash): initdb in a temp dir and
 * pg_ctl on a free port. The server refuses to run as root, so as root it runs as `postgres`.
 * Never touches the shared server.
 */
export class PrivatePostgres implements AsyncDisposable {
  readonly dir = mkdtempSync(join(tmpdir(), 'agentrt-pg-'));
  private readonly bin = pgBinDir();
  private constructor(readonly port: number) {}

  /** initdb and start on a reserved port; another port if that one was taken meanwhile (pg_ctl then fails to start). */
  static async start(): Promise<PrivatePostgres> {
    for (let attempt = 1; ; attempt++) {
      const server = new PrivatePostgres(await reservedPort());
      try {
        const data = join(server.dir, 'data');
        if (process.getuid?.() === 0) chownSync(server.dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()));
        server.run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
        await server.restart();
        return server;
      } catch (error) {
        await server[Symbol.asyncDispose]();
        if (attempt === 3) throw error;
      }
    }
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private run(tool: string, args: string[]): void {
    const command = join(this.bin, tool);
    const asRoot = process.getuid?.() === 0;
    execFileSync(asRoot ? 'runuser' : command, asRoot ? ['-u', 'postgres', '--', command, ...args] : args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: this.dir });
  }

  /** Starts the server (again) on the same port and data directory; resolves when it accepts connections. */
  async restart(): Promise<void> {
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-w', '-t', '60', '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`, 'start']);
  }

  /** Stops the server: `immediate` is a crash (no checkpoint, WAL recovery on start), `fast` a clean shutdown. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!existsSync(join(this.dir, 'data', 'postmaster.pid'))) return;
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', mode, '-w', 'stop']);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.stop('immediate');
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/**
 * A loopback TCP proxy in front of PostgreSQL that can lose a response: after `dropNextResponse()`,
 * the next bytes the server sends on any connection are discarded and that connection is cut —
 * the statement ran (and committed) on the server, the client never hears back.
 */
export class LossyProxy implements AsyncDisposable {
  private armed = false;
  /** While true, every connection is cut on arrival (the server looks unreachable). */
  refuse = false;
  /** While true, open connections forward nothing and stay open: a peer that vanished without a reset. */
  blackhole = false;
  /** Responses dropped so far. */
  dropped = 0;
  private readonly sockets = new Set<import('node:net').Socket>();
  private constructor(private readonly server: import('node:net').Server, readonly port: number) {}

  static async start(target: string): Promise<LossyProxy> {
    const { hostname, port } = new URL(target);
    const { createServer: create, connect } = await import('node:net');
    let proxy: LossyProxy | undefined;
    const server = create((client) => {
      if (proxy!.refuse) {
        client.destroy();
        return;
      }
      const upstream = connect({ host: hostname, port: Number(port || 5432) });
      proxy!.sockets.add(client).add(upstream);
      const cut = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', cut).on('close', cut);
      upstream.on('error', cut).on('close', cut);
      client.on('data', (chunk) => {
        if (!proxy!.blackhole) upstream.write(chunk);
      });
      upstream.on('data', (chunk) => {
        if (proxy!.blackhole) return;
        if (proxy!.armed) {
          proxy!.armed = false;
          proxy!.dropped++;
          cut();
          return;
        }
        client.write(chunk);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new LossyProxy(server, (server.address() as { port: number }).port);
    return proxy;
  }

  /** The target URL with host and port replaced by the proxy's. */
  urlFor(target: string): string {
    const url = new URL(target);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  /** Cuts every open connection now. */
  cutAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  dropNextResponse(): void {
    this.armed = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** `create` and `destroy` for the conformance suites: each store in a schema of its own (tables, kill flags, NOTIFY channel), dropped once it is closed. */
export function schemaStores(): { create: () => PostgresStore; destroy: (store: StateStore) => Promise<void>; dropBlobs: (store: StateStore, runId: string) => Promise<void>; corruptRun: (store: StateStore, runId: string) => Promise<void> } {
  const schemas = new WeakMap<object, string>();
  return {
    create: () => {
      const schema = freshSchema();
      const store = new PostgresStore({ url: DATABASE_URL, schema });
      schemas.set(store, schema);
      return store;
    },
    destroy: async (store) => {
      await store.close?.();
      await dropSchema(schemas.get(store)!);
    },
    // The run's rows of agentrt_blobs (ids the suite uses are short: stored as they are), gone as after a partial restore.
    dropBlobs: async (store, runId) => {
      await sql(`DELETE FROM "${schemas.get(store)!}".agentrt_blobs WHERE run_id = $1`, [runId]);
    },
    // The run row's static part, overwritten with text that does not parse.
    corruptRun: async (store, runId) => {
      await sql(`UPDATE "${schemas.get(store)!}".agentrt_runs SET static = '{not json' WHERE run_id = $1`, [runId]);
    },
  };
}

/**
 * A pool whose next query matching `drop.match` fails as a dropped connection does (so the store
 * re-sends it): `lost: 'request'` before it reaches the server, `'reply'` after it ran. `between`
 * runs before the failure, standing for what other callers do meanwhile.
 */
export class DroppingPool extends pg.Pool {
  drop: { match: (text: string) => boolean; lost: 'request' | 'reply'; between: () => Promise<void> } | undefined;
  override query(...args: unknown[]): never {
    const config = args[0] as { text?: string } | string;
    const text = typeof config === 'string' ? config : config?.text ?? '';
    const drop = this.drop;
    if (drop && drop.match(text)) {
      this.drop = undefined;
      return (async () => {
        if (drop.lost === 'reply') await (super.query as (...a: unknown[]) => Promise<unknown>)(...args);
        await drop.between();
        throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
      })() as never;
    }
    return (super.query as (...a: unknown[]) => never)(...args);
  }
}
