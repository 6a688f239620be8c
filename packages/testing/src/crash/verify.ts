import type { RunResult, StateStore } from '@agentrt/core';
import { checkRunInvariants } from '../invariants.js';
import type { EffectCounter } from './effect-counter.js';
import { CRASH_PLAN } from './scenario.js';

/**
 * Checks a crash-injected run after its resume: it completed with `final_answer` and every
 * planned step, invariants I1–I3/I5/I6/I8 hold, no `non-idempotent` call was attempted twice
 * (I4), and no idempotent effect was applied twice (the service saw at most two attempts,
 * deduplicated by `ctx.idempotencyKey`).
 */
export async function checkCrashRecovery(input: { store: StateStore; runId: string; result: RunResult<unknown> | undefined; counter: EffectCounter }): Promise<string[]> {
  const { store, runId, result, counter } = input;
  const problems: string[] = [];
  if (!result) return [`run ${runId}: the resumed process printed no result`];
  if (result.stopReason !== 'final_answer') problems.push(`run ${runId}: resumed run stopped with ${result.stopReason} (${result.stopDetail ?? ''})`);
  if (result.steps !== CRASH_PLAN.length + 1) problems.push(`run ${runId}: ${result.steps} steps committed, expected ${CRASH_PLAN.length + 1}`);
  problems.push(...(await checkRunInvariants({ store, runId, result })).violations.map((v) => `run ${runId}: ${v}`));
  for (const [key, kind] of counter.kinds) {
    if (!key.startsWith(`${runId}:`)) continue;
    const attempts = counter.attempts.get(key) ?? 0;
    const applied = counter.applied.get(key) ?? 0;
    if (kind === 'charge' && attempts > 1) problems.push(`I4: non-idempotent ${key} was attempted ${attempts} times`);
    if (kind === 'put' && applied !== 1) problems.push(`I4: idempotent ${key} was applied ${applied} times`);
    if (kind === 'put' && attempts > 2) problems.push(`I4: idempotent ${key} was attempted ${attempts} times`);
  }
  const planned = CRASH_PLAN.flatMap((calls, step) => calls.filter((c) => c.name === 'put').map((_c, i) => `${runId}:s${step}-${calls.findIndex((x, j) => x.name === 'put' && j >= i)}-put`));
  for (const key of planned) if (!counter.applied.get(key)) problems.push(`run ${runId}: planned effect ${key} never happened`);
  return problems;
}
