import { ConfigError, type ContextPrepareContext, type ContextStrategy, type Message } from '@agentrt/core';

/**
 * Applies strategies in order, each to the previous one's output. A useful order:
 * `TruncateToolResults` (shrink), `Summarize` (compress old turns), `TokenBudget` (fit).
 */
export function composeStrategies(...strategies: ContextStrategy[]): ContextStrategy {
  strategies.forEach((strategy, i) => {
    if (!strategy || typeof strategy.prepare !== 'function') throw new ConfigError(`strategies.${i}`, 'expected a ContextStrategy');
  });
  return {
    name: `compose(${strategies.map((s) => s.name).join(', ')})`,
    // Each strategy gets the previous one's output, which may be the history itself: borrowed only when every one only reads.
    borrowsHistory: strategies.every((strategy) => strategy.borrowsHistory === true),
    async prepare(messages: readonly Message[], context: ContextPrepareContext): Promise<readonly Message[]> {
      let current = messages;
      for (const strategy of strategies) current = await strategy.prepare(current, context);
      return current;
    },
  };
}
