import { describeModelAdapter, type ModelAdapterSuiteOptions } from '@agentrt/testing';
import { beforeEach, describe, TestRunner } from 'vitest';
import { anthropicSuite, anthropicV2Suite, openaiSuite, openaiV2Suite } from './suite.js';

// Specification v3 (AI SDK 6 provider packages, 3.x) and v2 (AI SDK 5, 2.x), each against the strict loopback servers.
//
// The four suites run side by side, each in its own lane whose cases stay in order: a case mostly
// waits (a silent provider, a Retry-After, a call timeout), about 20 % CPU, so one after the other
// the file sat through four times the same waits (~60 s against ~18 s for one suite). Each case
// has its own loopback server (its own port) and adapter. Three cases read or change process-wide
// state — `Math.random` pinned (hostile Retry-After values), console/stdout/stderr captured
// (nothing the provider sends is printed), the process's peak memory (an endless stream) — so
// each of them runs alone: it takes the lock exclusively, every other case shares it. Without the
// lock these three fail here (pinned draws seen by another lane, ~100 MB peaks); a kit case added
// later that touches process-wide state belongs in this list too.
const EXCLUSIVE = [/^reads hostile Retry-After values safely/, /is printed/, /memory stays bounded/];
let readers = 0;
let writer = false;
let writersWaiting = 0;
const wakers: (() => void)[] = [];
const wake = () => {
  for (const waker of wakers.splice(0)) waker();
};
async function acquire(exclusive: boolean): Promise<() => void> {
  if (exclusive) writersWaiting++;
  while (writer || (exclusive ? readers > 0 : writersWaiting > 0)) await new Promise<void>((resolve) => wakers.push(resolve));
  if (exclusive) {
    writersWaiting--;
    writer = true;
  } else readers++;
  return () => {
    if (exclusive) writer = false;
    else readers--;
    wake();
  };
}
beforeEach(async ({ task }) => acquire(EXCLUSIVE.some((pattern) => pattern.test(task.name))));

/** Registers a suite whose cases run in order, beside the other lanes of this file. */
const lane = (suite: ModelAdapterSuiteOptions) => describe(`lane: ${suite.name}`, () => {
  // A suite's `concurrent` flag lets it run beside its siblings; its cases do not inherit it (they read the options).
  TestRunner.getCurrentSuite().suite!.concurrent = true;
  describeModelAdapter(suite);
});

lane(openaiSuite);
lane(anthropicSuite);
lane(openaiV2Suite);
lane(anthropicV2Suite);
