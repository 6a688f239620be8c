import { AgentrtError, type AgentrtErrorOptions } from './agentrt-error.js';

/** Typed state-store failure codes. */
export type StoreErrorCode =
  | 'store_unavailable'
  | 'store_busy'
  | 'state_corrupt'
  | 'schema_unsupported'
  | 'run_not_found'
  | 'run_conflict'
  | 'lease_lost'
  | 'idempotency_conflict';

/** A state store refused or failed an operation. A read error is never reported as "no state". */
export class StoreError extends AgentrtError {
  declare readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options: AgentrtErrorOptions = {}) {
    super(code, message, options);
  }
}
