import type { ActiveRun, CallWatcher } from '../loop/active-run.js';
import type { StateStore } from '../store/state-store.js';

/**
 * Delivers kills to in-flight calls when the store cannot push them (no `subscribeKills`):
 * while a run has a model or tool call in flight, reads its kill flag every `intervalMs` and
 * aborts the run's signal when a flag (its own or the incident stop `'*'`) is set.
 *
 * Costs nothing while no call is in flight: one timer per busy run, armed when its first call
 * starts and cleared when its last call settles, so a step whose calls finish within
 * `intervalMs` does no extra store read (the loop itself reads the flag before every model and
 * tool call). Reads of one run never overlap; a failed read is retried at the next tick.
 */
export class KillPoller implements CallWatcher {
  private readonly timers = new Map<ActiveRun, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly store: StateStore,
    private readonly intervalMs: number,
  ) {}

  busy(run: ActiveRun): void {
    if (!this.timers.has(run)) this.arm(run);
  }

  idle(run: ActiveRun): void {
    const timer = this.timers.get(run);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(run);
  }

  private arm(run: ActiveRun): void {
    const timer: ReturnType<typeof setTimeout> = setTimeout(() => void this.poll(run, timer), this.intervalMs);
    // The poll never keeps a process alive on its own: the call in flight does, if anything.
    timer.unref?.();
    this.timers.set(run, timer);
  }

  private async poll(run: ActiveRun, timer: ReturnType<typeof setTimeout>): Promise<void> {
    if (this.timers.get(run) !== timer) return;
    // A finalize call runs after the run's own signal was aborted by its timeout: it is still killable.
    const killable = !run.signal.aborted || run.finalizeController !== undefined;
    if (killable) {
      try {
        const flag = await this.store.getKillFlag(run.runId);
        if (flag) run.abortWith('killed', flag.reason);
      } catch {
        // Retried at the next tick; the loop surfaces store failures at its own next check.
      }
    }
    // Still busy with the same calls: poll again; otherwise the run went idle (or was re-armed) meanwhile.
    if (this.timers.get(run) !== timer) return;
    if (run.signal.aborted && run.finalizeController === undefined) this.timers.delete(run);
    else this.arm(run);
  }
}
