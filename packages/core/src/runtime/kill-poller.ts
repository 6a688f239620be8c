import type { ActiveRun, CallWatcher } from '../loop/active-run.js';
import type { StateStore } from '../store/state-store.js';
import { monotonicMs } from '../util/time.js';

/**
 * Delivers kills to in-flight calls when the store cannot push them (no `subscribeKills`):
 * while a run has a model or tool call in flight, reads its kill flag every half `intervalMs`
 * once the call has been in flight for half `intervalMs`, and aborts the run's signal when a flag
 * (its own or the incident stop `'*'`) is set. A kill set while a call is in flight is therefore
 * seen within `intervalMs` (plus the read and scheduling slack).
 *
 * Cheap per call: marking a run busy or idle is a map update. One shared ticker (unref'd, every
 * half `intervalMs`) runs while any run is busy and stops at the first tick that finds none; a
 * call that settles within half `intervalMs` does no extra store read (the loop itself reads the
 * flag before every model and tool call). Reads of one run never overlap; a failed read is retried
 * at the next tick.
 */
export class KillPoller implements CallWatcher {
  /** Busy runs, with when their first call in flight started (monotonic ms). */
  private readonly busySince = new Map<ActiveRun, number>();
  /** Runs whose kill flag is being read. */
  private readonly reading = new Set<ActiveRun>();
  private ticker: ReturnType<typeof setInterval> | undefined;
  private readonly tickMs: number;

  constructor(
    private readonly store: StateStore,
    intervalMs: number,
  ) {
    this.tickMs = Math.max(1, intervalMs / 2);
  }

  busy(run: ActiveRun): void {
    if (!this.busySince.has(run)) this.busySince.set(run, monotonicMs());
    if (this.ticker === undefined) {
      this.ticker = setInterval(() => this.tick(), this.tickMs);
      // The poll never keeps a process alive on its own: the call in flight does, if anything.
      this.ticker.unref?.();
    }
  }

  idle(run: ActiveRun): void {
    this.busySince.delete(run);
  }

  private tick(): void {
    if (this.busySince.size === 0) {
      clearInterval(this.ticker);
      this.ticker = undefined;
      return;
    }
    const now = monotonicMs();
    for (const [run, since] of this.busySince) {
      if (now - since < this.tickMs || this.reading.has(run)) continue;
      // A finalize call runs after the run's own signal was aborted by its timeout: it is still killable.
      if (run.signal.aborted && run.finalizeController === undefined) continue;
      void this.poll(run);
    }
  }

  private async poll(run: ActiveRun): Promise<void> {
    this.reading.add(run);
    try {
      const flag = await this.store.getKillFlag(run.runId);
      if (flag) run.abortWith('killed', flag.reason);
    } catch {
      // Retried at the next tick; the loop surfaces store failures at its own next check.
    } finally {
      this.reading.delete(run);
    }
  }
}
