// Runs the longest test files first. On a clean clone vitest has no timings of its own and starts
// the largest files first, by bytes; some of the longest files (the multi-process load tests) are
// short and started last, so the suite ended with one worker running them alone. Known durations
// come from vitest's own cache (after a local run) or else from scripts/test-durations.json (a
// CI run's figures; `node scripts/test-durations.mjs` rewrites it from .tmp/vitest-results.json).
//
// The files of a project without isolation (`isolate: false`, see vitest.config.ts) run one after
// another, from the place of its longest file: vitest hands a worker that finished such a file the
// next one only when the next queued file is of the same project; otherwise it ends the worker, and
// the next file of the project starts a new one that imports the workspace source again.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const committed = JSON.parse(readFileSync(new URL('./test-durations.json', import.meta.url), 'utf8')) as Record<string, number>;

/** A copy of `items` in a random order drawn from `seed` (mulberry32, Fisher–Yates). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files); // failed first, then vitest's own order
    const root = this.ctx.config.root;
    const seconds = (spec: TestSpecification): number => {
      const file = relative(root, spec.moduleId).split('\\').join('/');
      const cached = this.ctx.cache.getFileTestResults(`${spec.project.name}:${file}`);
      if (cached?.failed) return Infinity; // failed first, as vitest does
      // A file with no known duration (a new one) goes first: it may be long, and the known short ones fill the end.
      return cached ? cached.duration / 1000 : (committed[file] ?? Number.MAX_VALUE);
    };
    const rank = new Map(ordered.map((spec, index) => [spec, index]));
    const { shuffle, seed } = this.ctx.config.sequence;
    // `--sequence.shuffle` (seeded by `--sequence.seed`) shuffles the files too, as vitest's own sequencer
    // would: a shared worker then runs its project's files in another order each time.
    const longestFirst = shuffle ? shuffled(ordered, seed) : [...ordered].sort((a, b) => seconds(b) - seconds(a) || rank.get(a)! - rank.get(b)!);
    const out: TestSpecification[] = [];
    const grouped = new Set<string>();
    for (const spec of longestFirst) {
      if (spec.project.config.isolate !== false) out.push(spec);
      else if (!grouped.has(spec.project.name)) {
        grouped.add(spec.project.name);
        out.push(...longestFirst.filter((other) => other.project.name === spec.project.name));
      }
    }
    return out;
  }
}
