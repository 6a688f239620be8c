// F-46, read-only: `chmod 444` on the database file, while a store has it open and before one opens it.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@agentrt/store-sqlite';
import { afterEach, describe, expect, it } from 'vitest';

const CHILD = new URL('./__fixtures__/read-only-child.mjs', import.meta.url).pathname;
// File modes do not bind root (CI and these machines run tests as root): the store then runs in a
// child process as `nobody` (65534), where chmod 444 means what it means to any service account.
const AS: { uid?: number; gid?: number } = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentrt-readonly-'));
  if (AS.uid !== undefined) chownSync(dir, AS.uid, AS.gid!);
  dirs.push(dir);
  return dir;
}

interface ChildOutcome { result?: { status: string; stopReason: string; error?: { code: string } }; error?: { code: string; causeCode?: string; message: string }; integrity?: string }

async function child(config: { mode: 'start' | 'resume' | 'chmod-open'; path: string; runId: string }): Promise<ChildOutcome> {
  const proc = spawn(process.execPath, [CHILD, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'], ...AS });
  let output = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  expect(code).toBe(0);
  return JSON.parse(output.trim().split('\n').at(-1)!) as ChildOutcome;
}

/** integrity_check read by a store of our own (opened after the child closed its). */
function integrity(path: string): string {
  const store = new SqliteStore({ path });
  try {
    return store.integrityCheck();
  } finally {
    void store.close();
  }
}

describe('SqliteStore on a read-only database file (F-46)', () => {
  it('a file opened read-only: the first write is store_unavailable with its cause; the file stays sound; the run resumes once writable', async () => {
    const path = join(freshDir(), 'runs.db');
    const paused = await child({ mode: 'start', path, runId: 'ro-1' });
    expect(paused.result).toMatchObject({ status: 'paused', stopReason: 'awaiting_approval' });
    for (const name of readdirSync(join(path, '..'))) chmodSync(join(path, '..', name), 0o444);
    const refused = await child({ mode: 'resume', path, runId: 'ro-1' });
    expect(refused.error).toMatchObject({ code: 'store_unavailable', causeCode: 'SQLITE_READONLY' });
    expect(refused.integrity).toBe('ok');
    for (const name of readdirSync(join(path, '..'))) chmodSync(join(path, '..', name), 0o644);
    expect(integrity(path)).toBe('ok');
    const resumed = await child({ mode: 'resume', path, runId: 'ro-1' });
    expect(resumed.result).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
    expect(resumed.integrity).toBe('ok');
  }, 30_000);

  it('chmod 444 while the store has the file open: writes go on through the open descriptor; the run completes, the file stays sound', async () => {
    // POSIX checks modes at open(), not per write: a store that opened the file read-write keeps
    // writing. The next store to open it gets it read-only (case above).
    const path = join(freshDir(), 'runs.db');
    const outcome = await child({ mode: 'chmod-open', path, runId: 'ro-2' });
    expect(outcome.result).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
    expect(outcome.integrity).toBe('ok');
    const reopened = await child({ mode: 'resume', path, runId: 'ro-2' }); // a finished run: resume only reads it
    expect(reopened.result).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
  }, 30_000);
});
