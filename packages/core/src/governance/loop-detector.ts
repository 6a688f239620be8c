import { canonicalJson } from '../util/canonical-json.js';

/** Counts identical consecutive tool calls (same name, same canonical args) across steps. */
export class LoopDetector {
  private lastKey: string | undefined;
  private repeats = 0;

  /** Records a call; returns how many times in a row this exact call has now been made. */
  observe(name: string, args: unknown): number {
    const key = `${name}\u0000${canonicalJson(args)}`;
    this.repeats = key === this.lastKey ? this.repeats + 1 : 1;
    this.lastKey = key;
    return this.repeats;
  }
}
