import type { RunEvent } from '@agentrt/core';

/** Where the live status line is drawn: a terminal stream (`process.stdout` on a TTY). */
export interface StatusTerminal {
  write(chunk: string): unknown;
  readonly columns?: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * The single status line `agentrt run` keeps at the bottom of a terminal while a run goes:
 * `⠹ step 2 of 8 · calling search_docs · 1,234 tokens · $0.0012 · 3.4s`. Trace lines are printed
 * above it (`line()` clears it, prints, redraws); `done()` removes it.
 */
export class StatusLine {
  private step = 0;
  private readonly tools = new Map<string, string>();
  private tokens = 0;
  private costUsd = 0;
  private phase = 'starting';
  private frame = 0;
  private drawn = false;
  private readonly startedAt = Date.now();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly terminal: StatusTerminal, private readonly maxSteps: number) {
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref?.();
  }

  /** Folds an event into the status. */
  update(event: RunEvent): void {
    switch (event.type) {
      case 'step_started':
        this.step = event.stepIndex + 1;
        this.phase = 'thinking';
        break;
      case 'model_request':
        this.phase = event.attempt > 1 ? `asking the model (attempt ${event.attempt})` : 'asking the model';
        break;
      case 'model_delta':
        this.phase = 'writing';
        break;
      case 'model_response':
        this.tokens += event.usage.inputTokens + event.usage.outputTokens;
        this.phase = event.message.toolCalls?.length ? 'deciding' : 'answering';
        break;
      case 'tool_started':
        this.tools.set(event.toolCallId, event.name);
        break;
      case 'tool_finished':
      case 'tool_denied':
      case 'tool_rejected':
        this.tools.delete(event.toolCallId);
        break;
      case 'step_finished':
        this.costUsd += event.usage.costUsd;
        this.phase = 'committed';
        break;
      case 'approval_requested':
        this.phase = 'awaiting approval';
        break;
      case 'model_retry':
        this.phase = `retrying (${event.code})`;
        break;
      default:
        break;
    }
    this.draw();
  }

  /** The status text (without spinner), e.g. for tests. */
  text(): string {
    const tools = [...new Set(this.tools.values())];
    const doing = tools.length ? `calling ${tools.join(', ')}` : this.phase;
    const seconds = ((Date.now() - this.startedAt) / 1000).toFixed(1);
    return `step ${this.step} of ${this.maxSteps} · ${doing} · ${this.tokens.toLocaleString('en-US')} tokens · $${this.costUsd.toFixed(4)} · ${seconds}s`;
  }

  /** Prints a permanent line above the status line. */
  line(text: string): void {
    this.clear();
    this.terminal.write(`${text}\n`);
    this.draw();
  }

  /** Removes the status line for good. */
  done(): void {
    clearInterval(this.timer);
    this.clear();
  }

  private draw(): void {
    const width = Math.max(20, (this.terminal.columns || 80) - 1); // a pseudo-terminal may report 0 columns
    const line = `${SPINNER[this.frame++ % SPINNER.length]} ${this.text()}`;
    this.terminal.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
    this.drawn = true;
  }

  private clear(): void {
    if (this.drawn) this.terminal.write('\r\x1b[2K');
    this.drawn = false;
  }
}
