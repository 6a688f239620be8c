/** A single-consumer async queue backing `runtime.stream()`. */
export class AsyncQueue<T extends { type: string }> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private failWaiting: ((error: unknown) => void) | undefined;
  private ended = false;
  private error: unknown;
  private failed = false;
  /** True once a `run_finished`/`run_paused` event went through. */
  sawFinal = false;
  /** True once the consumer gave up (`return()`); later items are dropped, not buffered. */
  private abandoned = false;

  /** `onAbandon` runs once when the consumer calls `return()` early; `return()` settles after its promise. */
  constructor(private readonly onAbandon?: () => Promise<void>) {}

  /**
   * The consumer has taken every item and waits for the next (it finished with the last one it
   * read), or it left, or the queue ended: nothing it does on reading can still be pending.
   */
  get caughtUp(): boolean {
    return this.abandoned || this.ended || this.failed || (this.waiting !== undefined && this.items.length === 0);
  }

  push(item: T): void {
    if (this.abandoned) return;
    if (item.type === 'run_finished' || item.type === 'run_paused') this.sawFinal = true;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = undefined;
      resolve({ value: item, done: false });
    } else this.items.push(item);
  }

  end(): void {
    this.ended = true;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  fail(error: unknown): void {
    this.failed = true;
    this.error = error;
    if (this.failWaiting) {
      const reject = this.failWaiting;
      this.waiting = this.failWaiting = undefined;
      reject(error);
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.abandoned) return Promise.resolve({ value: undefined, done: true });
        const item = this.items.shift();
        if (item) return Promise.resolve({ value: item, done: false });
        if (this.failed) return Promise.reject(this.error);
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.waiting = resolve;
          this.failWaiting = reject;
        });
      },
      // `break` in `for await`, or an explicit `return()`: the consumer is gone, so the producer is told
      // (the runtime cancels the run) and return() settles once it has stopped.
      return: async () => {
        if (!this.abandoned) {
          this.abandoned = true;
          this.items.length = 0;
          const waiting = this.waiting;
          this.waiting = this.failWaiting = undefined;
          waiting?.({ value: undefined, done: true });
          if (!this.ended && !this.failed) await this.onAbandon?.();
        }
        return { value: undefined, done: true };
      },
    };
  }
}
