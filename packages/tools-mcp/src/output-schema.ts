import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { AgentrtError } from '@agentrt/core';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { OutputValidator } from './content.js';

/** Keywords whose value is one subschema. */
const ONE = ['additionalProperties', 'items', 'additionalItems', 'contains', 'not', 'if', 'then', 'else', 'propertyNames', 'unevaluatedProperties', 'unevaluatedItems'];
/** Keywords whose value is a list of subschemas (`items` may be one too). */
const LIST = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items'];
/** Keywords whose value maps names to subschemas. */
const MAP = ['properties', 'definitions', '$defs', 'dependentSchemas', 'dependencies'];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A copy of a server's output schema that is safe to compile and run: regular expressions a
 * server wrote (`pattern`, `patternProperties`) could backtrack for minutes and stall the whole
 * process, and `uniqueItems` is quadratic over an array of objects, so they are left out —
 * `patternProperties` folds into `additionalProperties` (each such property must match one of
 * the schemas), which only ever accepts more. `$id` and `$schema` are dropped too: an `$id`
 * shared by two tools must not make one tool's schema check the other's output, and the
 * validator reads every schema with the same rules. The result accepts at least what the
 * original accepts (never a false refusal). The input is nested at most `MAX_JSON_DEPTH` levels
 * (checked when the listing was read). A `__proto__` key is dropped like the keywords above (it
 * names no keyword; kept, it would become the copy's prototype and smuggle them back in).
 *
 * Combinators (`anyOf`, `oneOf`, `not`, `if`) over recursive `$ref`s can still cost time
 * exponential in the depth of the value: the bridge therefore runs the check off the main thread
 * (`OutputChecker`), bounded by the call's time budget and a memory cap.
 */
export function safeOutputSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(safeOutputSchema);
  if (!isRecord(schema)) return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    // `__proto__` is no keyword: as a key of the copy it would become the copy's prototype, and
    // a validator reading keywords through the prototype would run a `pattern` hidden there.
    if (key === 'pattern' || key === 'uniqueItems' || key === '$id' || key === '$schema' || key === 'patternProperties' || key === '__proto__') continue;
    if (ONE.includes(key) && (isRecord(value) || typeof value === 'boolean')) copy[key] = safeOutputSchema(value);
    else if (LIST.includes(key) && Array.isArray(value)) copy[key] = value.map(safeOutputSchema);
    else if (MAP.includes(key) && isRecord(value)) copy[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, safeOutputSchema(sub)]));
    else copy[key] = value;
  }
  if (isRecord(schema.patternProperties)) {
    const patterned = Object.values(schema.patternProperties).map(safeOutputSchema);
    const additional = copy.additionalProperties;
    if (additional !== undefined && additional !== true && patterned.length > 0) {
      copy.additionalProperties = additional === false ? { anyOf: patterned } : { anyOf: [additional, ...patterned] };
    }
  }
  return copy;
}

/**
 * Compiles a tool's output schema into a validator, in a validator instance of its own (no
 * schema registry shared between tools). A schema that cannot be compiled (an unresolvable
 * `$ref`, …) yields a validator that refuses everything with the reason.
 */
export function compileOutputSchema(schema: Record<string, unknown>): OutputValidator {
  try {
    const compiled = new AjvJsonSchemaValidator().getValidator(safeOutputSchema(schema) as never);
    return (value) => {
      const verdict = compiled(value);
      return verdict.valid ? { valid: true } : { valid: false, errorMessage: String(verdict.errorMessage ?? 'invalid').slice(0, 1_000) };
    };
  } catch (error) {
    const message = String((error as Error)?.message ?? error).slice(0, 300);
    return () => ({ valid: false, errorMessage: `the outputSchema cannot be compiled (${message})` });
  }
}

/** Heap of the worker that checks structured results (a schema whose check allocates without end stops here). */
const CHECK_WORKER_HEAP_MB = 256;

/** The worker: compiles each (safe) schema once per key and answers `{ id, valid, errorMessage }`. CommonJS, evaluated. */
const CHECK_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { AjvJsonSchemaValidator } = require(workerData.provider);
const compiled = new Map();
parentPort.on('message', ({ id, key, schema, value }) => {
  let verdict;
  try {
    let validate = compiled.get(key);
    if (!validate) {
      if (compiled.size >= 200) compiled.clear();
      validate = new AjvJsonSchemaValidator().getValidator(schema);
      compiled.set(key, validate);
    }
    const result = validate(value);
    verdict = result.valid ? { valid: true } : { valid: false, errorMessage: String(result.errorMessage ?? 'invalid').slice(0, 1000) };
  } catch (error) {
    verdict = { valid: false, errorMessage: 'the outputSchema cannot be compiled (' + String(error && error.message || error).slice(0, 300) + ')' };
  }
  parentPort.postMessage({ id, ...verdict });
});
`;

interface PendingCheck {
  readonly message: { readonly id: number; readonly key: string; readonly schema: unknown; readonly value: unknown };
  readonly resolve: (verdict: { valid: boolean; errorMessage?: string }) => void;
  readonly reject: (error: unknown) => void;
  /** Times the check was handed to a new worker after the one running it died for another check. */
  retries: number;
}

/**
 * Checks structured results against output schemas in a worker thread of its own, so that no
 * schema a server declares — however costly to evaluate (combinators over recursive `$ref`s are
 * exponential in the depth of the value) — can stall the process: a check ends when its
 * signal aborts (the call's time budget), and the worker's heap is capped. A worker that
 * overran is terminated and replaced; the other checks it held are run again in the new one
 * (once). Verdicts are those of `compileOutputSchema`.
 */
export class OutputChecker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, PendingCheck>();
  private nextId = 0;
  private closed = false;

  /** The verdict on `value`, or a rejection with `mcp_output_invalid` when the check could not finish (aborted, out of memory). */
  check(key: string, schema: Record<string, unknown>, value: unknown, signal: AbortSignal): Promise<{ valid: boolean; errorMessage?: string }> {
    if (this.closed) return Promise.reject(new AgentrtError('mcp_output_invalid', 'the output checker is closed'));
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const onAbort = () => {
        // The worker is busy with this check (or queued behind one that overran): only ending it frees it.
        if (!this.pending.has(id)) return;
        this.pending.delete(id);
        reject(signal.reason);
        this.restart();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const done = () => signal.removeEventListener('abort', onAbort);
      const entry: PendingCheck = {
        message: { id, key, schema: safeOutputSchema(schema), value },
        resolve: (verdict) => {
          done();
          resolve(verdict);
        },
        reject: (error) => {
          done();
          reject(error);
        },
        retries: 0,
      };
      this.pending.set(id, entry);
      try {
        this.post(entry);
      } catch (error) {
        // A value the structured clone cannot copy (it came from JSON, so only a nesting too deep to clone).
        this.pending.delete(id);
        entry.reject(new AgentrtError('mcp_output_invalid', `structuredContent could not be checked against its outputSchema (${String((error as Error)?.message ?? error).slice(0, 200)})`));
      }
    });
  }

  /** Stops the worker; pending checks fail. */
  close(): void {
    this.closed = true;
    this.stop(new AgentrtError('mcp_output_invalid', 'the output checker was closed before the check finished'));
  }

  private post(entry: PendingCheck): void {
    this.ensureWorker().postMessage(entry.message);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(CHECK_WORKER_SOURCE, {
      eval: true,
      workerData: { provider: createRequire(import.meta.url).resolve('@modelcontextprotocol/sdk/validation/ajv') },
      resourceLimits: { maxOldGenerationSizeMb: CHECK_WORKER_HEAP_MB },
      stdout: false,
      stderr: false,
    });
    worker.unref(); // an idle checker never keeps the process alive
    worker.on('message', (answer: { id: number; valid: boolean; errorMessage?: string }) => {
      const entry = this.pending.get(answer.id);
      if (!entry) return;
      this.pending.delete(answer.id);
      entry.resolve(answer.valid ? { valid: true } : { valid: false, errorMessage: answer.errorMessage ?? 'invalid' });
    });
    const died = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.redispatch(why);
    };
    worker.on('error', (error) => died(`${(error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'it needed more memory than allowed' : String(error.message).slice(0, 200)}`));
    worker.on('exit', () => died('the checker stopped'));
    this.worker = worker;
    return worker;
  }

  /** After the worker died without being asked to: each pending check runs once more in a new worker, then fails. */
  private redispatch(why: string): void {
    for (const [id, entry] of this.pending) {
      if (this.closed || entry.retries >= 1) {
        this.pending.delete(id);
        entry.reject(new AgentrtError('mcp_output_invalid', `structuredContent could not be checked against its outputSchema (${why})`));
        continue;
      }
      entry.retries++;
      this.post(entry);
    }
  }

  /** Ends a worker that overran (terminate: a stuck validation never yields), and runs the other checks again in a new one. */
  private restart(): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    if (this.pending.size > 0 && !this.closed) for (const entry of this.pending.values()) this.post(entry);
  }

  private stop(error: AgentrtError): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    for (const entry of this.pending.values()) entry.reject(error);
    this.pending.clear();
  }
}
