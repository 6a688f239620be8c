import type { Counter, Histogram, Meter } from '@opentelemetry/api';
import { BUCKETS, METRIC } from './attributes.js';

/** The metric instruments the plugin records to. */
export interface Instruments {
  readonly tokenUsage: Histogram;
  readonly operationDuration: Histogram;
  readonly invokeAgentDuration: Histogram;
  readonly executeToolDuration: Histogram;
  readonly runStops: Counter;
  readonly cost: Counter;
}

/** Creates the instruments with the bucket boundaries the conventions advise. */
export function createInstruments(meter: Meter): Instruments {
  return {
    tokenUsage: meter.createHistogram(METRIC.tokenUsage, {
      description: 'Number of input and output tokens used.',
      unit: '{token}',
      advice: { explicitBucketBoundaries: [...BUCKETS.tokens] },
    }),
    operationDuration: meter.createHistogram(METRIC.operationDuration, {
      description: 'GenAI operation duration.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...BUCKETS.operationSeconds] },
    }),
    invokeAgentDuration: meter.createHistogram(METRIC.invokeAgentDuration, {
      description: 'The end-to-end duration of a single agent invocation (one drive of an agentrt run).',
      unit: 's',
      advice: { explicitBucketBoundaries: [...BUCKETS.agentSeconds] },
    }),
    executeToolDuration: meter.createHistogram(METRIC.executeToolDuration, {
      description: 'The duration of a single tool execution.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...BUCKETS.operationSeconds] },
    }),
    runStops: meter.createCounter(METRIC.runStops, {
      description: 'Runs that stopped (or paused), by stop reason.',
      unit: '{stop}',
    }),
    cost: meter.createCounter(METRIC.cost, {
      description: 'Priced cost of committed steps, in US dollars (0 without a price for the model).',
      unit: '{USD}',
    }),
  };
}
