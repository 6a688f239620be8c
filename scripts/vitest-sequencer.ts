// Runs the longest test files first. On a clean clone vitest has no timings of its own and starts
// the largest files first, by bytes; some of the longest files (the multi-process load tests) are
// short and started last, so the suite ended with one worker running them alone. Known durations
// come from vitest's own cache (after a local run) or else from scripts/test-durations.json (a
// CI run's figures; `node scripts/test-durations.mjs` rewrites it from .tmp/vitest-results.json).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const committed = JSON.parse(readFileSync(new URL('./test-durations.json', import.meta.url), 'utf8')) as Record<string, number>;

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
    return [...ordered].sort((a, b) => seconds(b) - seconds(a) || rank.get(a)! - rank.get(b)!);
  }
}
