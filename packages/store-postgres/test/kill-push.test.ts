import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRuntime, KILL_ALL_SCOPE, type KillFlag, type RunResult } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { ScriptedModel } from '@agentrt/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, dropSchema, freshSchema, LossyProxy, sql, waitFor } from './pg-helpers.js';

const schema = freshSchema();
afterAll(() => dropSchema(schema));
const CHILD = new URL('./__fixtures__/kill-child.mjs', import.meta.url).pathname;

/** True once the store's LISTEN connection (application_name `<app>-kills`) has finished setting up (it LISTENs first, then only SELECTs). */
const listening = async (app: string) =>
  (await sql(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle' AND query LIKE 'SELECT%'`, [`${app}-kills`])).length > 0;

describe('PostgresStore kill push (LISTEN/NOTIFY)', () => {
  it('aborts an in-flight 10 s tool in another process at once when this process kills the run', async () => {
    const runId = `push-${randomUUID().slice(0, 8)}`;
    const app = `agentrt-push-${randomUUID().slice(0, 8)}`;
    const child = spawn(process.execPath, [CHILD, JSON.stringify({ url: DATABASE_URL, schema, app, runId })], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => stdout.includes('TOOL_STARTED'), 20_000, `the child's tool to start (${stderr})`);
      await waitFor(() => listening(app), 10_000, "the child's LISTEN connection");
      const store = new PostgresStore({ url: DATABASE_URL, schema });
      const operator = createRuntime({ model: new ScriptedModel([]), store });
      const killedAt = Date.now();
      await operator.kill(runId, 'operator stop');
      await waitFor(() => stdout.includes('ABORTED '), 5_000, 'the tool signal to abort');
      const abortedAt = Number(/ABORTED (\d+)/.exec(stdout)![1]);
      expect(await exited).toBe(0);
      const result = JSON.parse(/RESULT (.*)/.exec(stdout)![1]!) as RunResult;
      expect(result).toMatchObject({ status: 'stopped', stopReason: 'killed', stopDetail: 'operator stop' });
      // From calling kill() (flag written, NOTIFY on commit) to the tool's signal firing in the other process.
      const latency = abortedAt - killedAt;
      console.log(`kill → tool signal aborted in the other process: ${latency} ms`);
      expect(latency).toBeLessThan(1_000);
      expect((await store.getRun(runId))?.result?.stopReason).toBe('killed');
      await store.close();
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);

  it('reconnects its LISTEN connection after losing it and replays the kills set meanwhile', async () => {
    await using proxy = await LossyProxy.start(DATABASE_URL);
    const app = `agentrt-relisten-${randomUUID().slice(0, 8)}`;
    const listener = new PostgresStore({ url: proxy.urlFor(DATABASE_URL), schema, applicationName: app });
    const writer = new PostgresStore({ url: DATABASE_URL, schema });
    const received: KillFlag[] = [];
    const unsubscribe = listener.subscribeKills((flag) => received.push(flag));
    await waitFor(() => listening(app), 10_000, 'the LISTEN connection');
    await writer.setKillFlag({ scope: 'run-a', reason: 'pushed', at: new Date().toISOString() });
    await waitFor(() => received.some((f) => f.scope === 'run-a'), 5_000, 'the pushed kill');
    // The server becomes unreachable for the listener: the kill set now cannot be pushed to it.
    proxy.refuse = true;
    proxy.cutAll();
    await writer.setKillFlag({ scope: 'run-b', reason: 'while away', at: new Date().toISOString() });
    proxy.refuse = false;
    await waitFor(() => received.some((f) => f.scope === 'run-b'), 10_000, 'the replayed kill');
    expect(received.find((f) => f.scope === 'run-b')).toMatchObject({ reason: 'while away' });
    // And it listens again: a new kill is pushed.
    await writer.setKillFlag({ scope: KILL_ALL_SCOPE, reason: 'incident', at: new Date().toISOString() });
    await waitFor(() => received.some((f) => f.scope === KILL_ALL_SCOPE), 10_000, 'a kill after the reconnect');
    await writer.clearKillFlag();
    unsubscribe();
    await Promise.all([listener.close(), writer.close()]);
  }, 60_000);

  it('notices a LISTEN connection that went silent (no reset) by its heartbeat, reconnects and replays', async () => {
    await using proxy = await LossyProxy.start(DATABASE_URL);
    const app = `agentrt-silent-${randomUUID().slice(0, 8)}`;
    const listener = new PostgresStore({ url: proxy.urlFor(DATABASE_URL), schema, applicationName: app, killHeartbeatMs: 300, connectionTimeoutMs: 1_000 });
    const writer = new PostgresStore({ url: DATABASE_URL, schema });
    const received: KillFlag[] = [];
    listener.subscribeKills((flag) => received.push(flag));
    await waitFor(() => listening(app), 10_000, 'the LISTEN connection');
    const [old] = await sql<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [`${app}-kills`]);
    // The path goes silent (nothing forwarded, nothing closed): the kill's NOTIFY never arrives.
    proxy.blackhole = true;
    await writer.setKillFlag({ scope: 'run-silent', reason: 'sent into the void', at: new Date().toISOString() });
    // The heartbeat gets no answer, so the listener gives that connection up (its backend goes away).
    await waitFor(async () => (await sql(`SELECT 1 FROM pg_stat_activity WHERE pid = $1`, [old!.pid])).length === 0, 10_000, 'the silent connection to be given up');
    expect(received).toEqual([]);
    proxy.blackhole = false;
    await waitFor(() => received.some((f) => f.scope === 'run-silent'), 15_000, 'the kill replayed after the reconnect');
    await Promise.all([listener.close(), writer.close()]);
  }, 40_000);

  it('keeps kills of different schemas apart (one channel per schema)', async () => {
    const other = freshSchema();
    const app = `agentrt-ns-${randomUUID().slice(0, 8)}`;
    const mine = new PostgresStore({ url: DATABASE_URL, schema, applicationName: app });
    const theirs = new PostgresStore({ url: DATABASE_URL, schema: other });
    const received: KillFlag[] = [];
    mine.subscribeKills((flag) => received.push(flag));
    await waitFor(() => listening(app), 10_000, 'the LISTEN connection');
    await theirs.setKillFlag({ scope: KILL_ALL_SCOPE, reason: 'not yours', at: new Date().toISOString() });
    expect(await mine.getKillFlag('x')).toBeUndefined();
    await mine.setKillFlag({ scope: 'only-mine', reason: 'yours', at: new Date().toISOString() });
    await waitFor(() => received.length > 0, 5_000, 'own kill');
    expect(received.map((f) => f.scope)).toEqual(['only-mine']);
    await Promise.all([mine.close(), theirs.close()]);
    await dropSchema(other);
  }, 30_000);
});

describe('PostgresStore kill push before its LISTEN connection is up', () => {
  it('delivers a kill set before its first LISTEN connection was up (no call in flight misses it)', async () => {
    await using proxy = await LossyProxy.start(DATABASE_URL);
    const app = `agentrt-early-${randomUUID().slice(0, 8)}`;
    const writer = new PostgresStore({ url: DATABASE_URL, schema });
    // The listener cannot connect yet: its first LISTEN connection comes up only after the kill was set.
    proxy.refuse = true;
    const listener = new PostgresStore({ url: proxy.urlFor(DATABASE_URL), schema, applicationName: app });
    const received: KillFlag[] = [];
    const unsubscribe = listener.subscribeKills((flag) => received.push(flag));
    await writer.setKillFlag({ scope: 'early-run', reason: 'before listening', at: new Date().toISOString() });
    expect(await listening(app)).toBe(false);
    proxy.refuse = false;
    await waitFor(() => received.some((f) => f.scope === 'early-run'), 15_000, 'the kill set before LISTEN was up');
    expect(received.find((f) => f.scope === 'early-run')).toMatchObject({ reason: 'before listening' });
    await writer.clearKillFlag('early-run');
    unsubscribe();
    await Promise.all([listener.close(), writer.close()]);
  }, 40_000);
});
