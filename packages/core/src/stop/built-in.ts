import type { StopCheckContext, StopDecision, StopPolicy } from './stop-policy.js';

/** Stops with `final_answer` when the step's model message has no tool calls. */
export class FinalAnswerStop implements StopPolicy {
  readonly name = 'final_answer';
  check(context: StopCheckContext): StopDecision | undefined {
    if (context.phase !== 'after_step' || !context.lastMessage) return undefined;
    return (context.lastMessage.toolCalls?.length ?? 0) === 0 ? { reason: 'final_answer' } : undefined;
  }
}

/** Stops with `max_tool_calls` once the model asked for a call over the cap (that call was not executed). */
export class MaxToolCallsStop implements StopPolicy {
  readonly name = 'max_tool_calls';
  check(context: StopCheckContext): StopDecision | undefined {
    if (context.phase !== 'after_step' || !context.toolCallCapExceeded) return undefined;
    return { reason: 'max_tool_calls', detail: `more than ${context.limits.maxToolCalls} tool calls requested` };
  }
}

/** Stops with `max_steps` after exactly `maxSteps` committed steps. */
export class MaxStepsStop implements StopPolicy {
  readonly name = 'max_steps';
  check(context: StopCheckContext): StopDecision | undefined {
    if (context.phase !== 'after_step' || context.steps < context.limits.maxSteps) return undefined;
    return { reason: 'max_steps', detail: `${context.steps} of ${context.limits.maxSteps} steps used` };
  }
}

/** Stops with `timeout` before a model call once the run's wall-clock budget is spent. In-flight calls are aborted by the runtime's timer. */
export class TimeoutStop implements StopPolicy {
  readonly name = 'timeout';
  check(context: StopCheckContext): StopDecision | undefined {
    if (context.elapsedMs < context.limits.timeoutMs) return undefined;
    return { reason: 'timeout', detail: `run exceeded ${context.limits.timeoutMs} ms` };
  }
}

/**
 * Stops with `token_budget` before a model call when input + output tokens so far reach `maxTokens`.
 * Bound: the run can overshoot by at most the tokens of one model call (the one that crossed the budget).
 */
export class TokenBudgetStop implements StopPolicy {
  readonly name = 'token_budget';
  check(context: StopCheckContext): StopDecision | undefined {
    const used = context.usage.inputTokens + context.usage.outputTokens;
    if (context.phase !== 'before_model' || used < context.limits.maxTokens) return undefined;
    return { reason: 'token_budget', detail: `${used} tokens used of ${context.limits.maxTokens}` };
  }
}

/**
 * Stops with `cost_budget` before a model call when the priced cost so far reaches `maxCostUsd`.
 * Bound: overshoot is at most the cost of one model call.
 */
export class CostBudgetStop implements StopPolicy {
  readonly name = 'cost_budget';
  check(context: StopCheckContext): StopDecision | undefined {
    const cap = context.limits.maxCostUsd;
    if (context.phase !== 'before_model' || cap === undefined || context.usage.costUsd < cap) return undefined;
    return { reason: 'cost_budget', detail: `$${context.usage.costUsd.toFixed(6)} spent of $${cap}` };
  }
}

/** Built-in policies in the order they are checked (after the kill switch and cancellation, which the loop checks first). */
export function builtInStopPolicies(): StopPolicy[] {
  // Instances handed to users are theirs (they may wrap or replace `check`): asked like any user policy.
  return [new FinalAnswerStop(), new MaxToolCallsStop(), new TimeoutStop(), new TokenBudgetStop(), new CostBudgetStop(), new MaxStepsStop()];
}

/**
 * Internal: the built-in policies of a runtime (as `builtInStopPolicies`), never handed out — no
 * user code can replace their `check`, so they may be asked with a reused context (`builtInPrefix`).
 */
export function coreStopPolicies(): StopPolicy[] {
  const policies = builtInStopPolicies();
  for (const policy of policies) CORE_MADE.add(policy);
  return policies;
}

/** Policies `coreStopPolicies` made: they read their context during `check` only, never keep or change it. */
const CORE_MADE = new WeakSet<StopPolicy>();
const corePrefixes = new WeakMap<readonly StopPolicy[], number>();

/**
 * Internal: how many policies at the start of `policies` are built-ins made by `coreStopPolicies`
 * (remembered per list; the runtime's list is frozen). Those may be asked with a reused context.
 */
export function builtInPrefix(policies: readonly StopPolicy[]): number {
  let count = corePrefixes.get(policies);
  if (count === undefined) {
    count = 0;
    while (count < policies.length && CORE_MADE.has(policies[count]!)) count++;
    if (Object.isFrozen(policies)) corePrefixes.set(policies, count);
  }
  return count;
}
