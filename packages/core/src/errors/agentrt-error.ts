const MARK = Symbol.for('agentrt.error');

/** Options shared by every agentrt error. */
export interface AgentrtErrorOptions {
  readonly cause?: unknown;
  /** True when retrying the same operation later may succeed. */
  readonly retryable?: boolean;
  /** Structured, secret-free details for programs (never shown to the model unredacted). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Base class of every error agentrt throws. `code` is a stable snake_case string
 * documented in docs/errors.md; assert on it, not on the message.
 *
 * `isInstance` works across duplicate installs of core, where `instanceof` fails.
 */
export class AgentrtError extends Error {
  /** Stable snake_case error code. */
  readonly code: string;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, options: AgentrtErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
    Object.defineProperty(this, MARK, { value: true });
  }

  /** True for any agentrt error, from any copy of core. */
  static isInstance(value: unknown): value is AgentrtError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARK] === true;
  }
}
