// Baseline: a plain `while` loop calling the same scripted model and tool, nothing else.
// The durable variant adds one SQLite WAL append per step (better-sqlite3), nothing else.
import { join } from 'node:path';
import { add, decide, expectDone, USAGE } from './script.mjs';

const model = (steps) => ({ async generate(messages) { return { decision: decide(messages.at(-1)?.result, steps), usage: USAGE }; } });

async function loop(steps, append) {
  const { generate } = model(steps);
  const messages = [{ role: 'user', content: 'go' }];
  let stepIndex = 0;
  for (;;) {
    const { decision } = await generate(messages);
    if (decision.text !== undefined) return decision.text;
    const result = await add(decision.call.args);
    const assistant = { role: 'assistant', toolCalls: [decision.call] };
    const tool = { role: 'tool', toolCallId: decision.call.id, result };
    messages.push(assistant, tool);
    if (append) append(stepIndex, assistant, tool);
    stepIndex++;
  }
}

export const name = 'bare';

/** Returns a function doing one run of `steps` tool steps. */
export function setup(steps) {
  return async () => expectDone(await loop(steps), steps, name);
}

/** The same loop plus one INSERT of the step (autocommit, WAL) per step. */
export async function setupDurable({ steps, dir, synchronous }) {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(join(dir, 'bare.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
  db.exec('CREATE TABLE steps (run_id TEXT, step_index INTEGER, data TEXT, PRIMARY KEY (run_id, step_index))');
  const insert = db.prepare('INSERT INTO steps VALUES (?, ?, ?)');
  let runs = 0;
  return {
    files: [join(dir, 'bare.db'), join(dir, 'bare.db-wal')],
    run: async () => {
      const runId = `run-${++runs}`;
      expectDone(await loop(steps, (i, assistant, tool) => insert.run(runId, i, JSON.stringify([assistant, tool]))), steps, name);
    },
    close: async () => db.close(),
  };
}
