import { AgentrtError } from '../errors/agentrt-error.js';
import { RunError } from '../errors/run-error.js';
import type { RuntimeHooks } from '../hooks.js';
import type { StopCheckContext, StopDecision, StopPolicy } from '../stop/stop-policy.js';
import { RunAbort } from '../util/abort.js';
import { describeThrown } from './tool-output.js';

/** What a hook is waited with: the run, whose stop abandons the wait (`ActiveRun.untilStopped`). */
export interface HookWaiter {
  untilStopped<T>(answer: Promise<T>, signal?: AbortSignal): Promise<T>;
}

/**
 * Runs one hook; a throw becomes `RunError('hook_failed')` naming the hook (aborts pass through).
 * With `run`, an answer still pending when the run is stopped (or `signal` aborts) is abandoned:
 * the call rejects with the `RunAbort`, so a hook that hangs cannot hold the run.
 */
// A hook's error text is not cut here: it is redacted before it is capped where it is reported
// (errorInfo, tool results), and a cut made before redaction could keep part of a secret.
export async function callHook<T>(name: string, fn: () => T | Promise<T>, run?: HookWaiter, signal?: AbortSignal): Promise<T> {
  try {
    const out = fn();
    // A synchronous answer is not raced (no listener, no promise beyond the await).
    return await (run && isThenable(out) ? run.untilStopped(Promise.resolve(out), signal) : out);
  } catch (error) {
    if (passesThrough(error)) throw error;
    throw new RunError('hook_failed', `hook ${name} threw: ${describeThrown(error)}`, { cause: error });
  }
}

/**
 * `callHook` without an async hop when the hook answers synchronously (stop policies do, every
 * step): the same errors, thrown at once. A thenable answer goes through `callHook` and comes back
 * as a real `Promise` (test with `isPromise`). The hook's name is `prefix + name`, built only on failure.
 */
export function callHookSync<T>(name: string, fn: () => T | Promise<T>, prefix = ''): T | Promise<T> {
  let out: T | Promise<T>;
  try {
    out = fn();
  } catch (error) {
    if (passesThrough(error)) throw error;
    throw new RunError('hook_failed', `hook ${prefix}${name} threw: ${describeThrown(error)}`, { cause: error });
  }
  return isThenable(out) ? awaitAnswer(prefix + name, out) : out;
}

/** A thenable answer, awaited as a hook (apart, so the synchronous path allocates no closure context). */
function awaitAnswer<T>(name: string, out: T | Promise<T>): Promise<T> {
  return callHook(name, () => out);
}

/**
 * A stop policy's check, like `callHookSync` (hook name `stopPolicy:<name>`) without a closure per
 * policy per check: this runs for every policy twice a step.
 */
export function checkStopPolicy(policy: StopPolicy, context: StopCheckContext): StopDecision | undefined | Promise<StopDecision | undefined> {
  let out: StopDecision | undefined | Promise<StopDecision | undefined>;
  try {
    out = policy.check(context);
  } catch (error) {
    if (passesThrough(error)) throw error;
    throw new RunError('hook_failed', `hook stopPolicy:${policy.name} threw: ${describeThrown(error)}`, { cause: error });
  }
  return isThenable(out) ? awaitPolicy(policy, out) : out;
}

/** A policy's thenable answer, awaited as a hook (kept apart so a synchronous check captures nothing: no closure context per call). */
function awaitPolicy(policy: StopPolicy, out: StopDecision | undefined | Promise<StopDecision | undefined>): Promise<StopDecision | undefined> {
  return callHook(`stopPolicy:${policy.name}`, () => out);
}

/** True for the promise `callHookSync` returns for a thenable answer. */
export function isPromise(value: unknown): value is Promise<unknown> {
  return value instanceof Promise;
}

function isThenable(value: unknown): boolean {
  try {
    return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
  } catch {
    // A hostile `then` getter: let the `await` inside callHook meet it (and fail as hook_failed).
    return true;
  }
}

/** Aborts and `hook_failed` errors pass through hook layers unchanged; reading anything else thrown never throws. */
function passesThrough(error: unknown): boolean {
  try {
    return error instanceof RunAbort || (AgentrtError.isInstance(error) && error.code === 'hook_failed');
  } catch {
    return false;
  }
}

type WrapName = 'wrapRun' | 'wrapModelCall' | 'wrapToolCall';
const wrapping = new WeakMap<readonly RuntimeHooks[], Partial<Record<WrapName, readonly RuntimeHooks[]>>>();

/** The hooks that define `name`, in registration order (computed once per hook list). */
export function hooksWith(hooks: readonly RuntimeHooks[], name: WrapName): readonly RuntimeHooks[] {
  let cache = wrapping.get(hooks);
  if (!cache) wrapping.set(hooks, (cache = {}));
  return (cache[name] ??= hooks.filter((hook) => typeof hook[name] === 'function'));
}

/** One wrapping layer: receives `next` and must call it once. */
export type WrapLayer<T> = (next: () => Promise<T>) => unknown;

/**
 * Runs `operation` inside `layers` (the first is outermost). The result is always the
 * operation's own: a layer cannot replace it or swallow its error. A layer that never calls
 * `next()` (or throws before it) fails with `hook_failed` and the operation does not run; a layer
 * that throws after the operation ran fails with `hook_failed` too, unless `afterRun` is
 * `'ignore'`. A `next()` called twice, or after its layer settled, rejects without running.
 * With `run`, layers still pending when the run is stopped (or `signal` aborts) are abandoned: it rejects with the abort reason.
 */
export async function callWrapped<T>(name: WrapName, layers: readonly WrapLayer<T>[], operation: () => Promise<T>, afterRun: 'throw' | 'ignore', run?: HookWaiter, signal?: AbortSignal): Promise<T> {
  let inner: Promise<T> | undefined;
  let innerFailure: { error: unknown } | undefined;
  let layerFailure: { error: unknown } | undefined;
  const failed = (message: string, cause?: unknown) => new RunError('hook_failed', `hook ${name} ${message}`, cause === undefined ? {} : { cause });
  const invoke = (index: number): Promise<T> => {
    if (index === layers.length) {
      inner = operation();
      inner.catch((error: unknown) => {
        innerFailure = { error };
      });
      return inner;
    }
    let called = false;
    let closed = false;
    const next = (): Promise<T> => {
      if (called || closed) return Promise.reject(failed(called ? 'called next() more than once' : 'called next() after it returned'));
      called = true;
      return invoke(index + 1);
    };
    let returned: Promise<unknown>;
    try {
      returned = Promise.resolve(layers[index]!(next));
    } catch (error) {
      returned = Promise.reject(error);
    }
    return returned.then(
      () => {
        closed = true;
        if (!called) {
          const error = failed('returned without calling next()');
          layerFailure ??= { error };
          throw error;
        }
        return inner!;
      },
      async (error: unknown) => {
        closed = true;
        // Let the operation settle first, so a rethrow of its own error is told from a layer's failure.
        if (inner) await inner.catch(() => undefined);
        if (!(innerFailure && innerFailure.error === error)) layerFailure ??= { error };
        throw error;
      },
    );
  };
  const layered = invoke(0).catch(() => undefined);
  // A layer that hangs (before or after `next()`) is abandoned when the run is stopped: the stop wins.
  await (run ? run.untilStopped(layered, signal) : layered);
  if (!inner) throw hookFailed(layerFailure?.error);
  if (layerFailure && afterRun === 'throw') throw hookFailed(layerFailure.error);
  // The operation ran: its own outcome wins over whatever the layers did with it.
  return await inner;

  function hookFailed(error: unknown): unknown {
    if (passesThrough(error)) return error;
    return failed(`threw: ${describeThrown(error)}`, error);
  }
}
