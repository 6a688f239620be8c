/** Counts identical consecutive tool calls (same name, same canonical args) across steps. */
export class LoopDetector {
  private lastKey: string | undefined;
  private repeats = 0;

  /** Records a call (name plus canonical JSON of its args); returns how many times in a row it has now been made. */
  observe(name: string, canonicalArgs: string): number {
    const key = `${name}\u0000${canonicalArgs}`;
    this.repeats = key === this.lastKey ? this.repeats + 1 : 1;
    this.lastKey = key;
    return this.repeats;
  }
}
