/** Counts identical consecutive tool calls (same name, same canonical args) across steps. */
export class LoopDetector {
  private lastName: string | undefined;
  private lastArgs: string | undefined;
  private repeats = 0;

  /** Records a call (name plus canonical JSON of its args); returns how many times in a row it has now been made. */
  observe(name: string, canonicalArgs: string): number {
    // Compared field by field: no joined key per call (a concatenation, flattened to compare).
    this.repeats = name === this.lastName && canonicalArgs === this.lastArgs ? this.repeats + 1 : 1;
    this.lastName = name;
    this.lastArgs = canonicalArgs;
    return this.repeats;
  }
}
