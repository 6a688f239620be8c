// Command-line options of `pnpm bench:peers` (kept apart from run.mjs so they can be checked alone).

/** Runtimes in table order. `peer: true` ones are installed on demand into .tmp/bench-peers/. */
export const RUNTIMES = [
  { name: 'bare', label: 'bare `while` loop', peer: false, durable: true },
  { name: 'ai-sdk', label: 'AI SDK `generateText`', peer: true, durable: false, package: 'ai' },
  { name: 'openai-agents', label: 'OpenAI Agents JS', peer: true, durable: false, package: '@openai/agents' },
  { name: 'langgraph', label: 'LangGraph.js', peer: true, durable: true, package: '@langchain/langgraph' },
  { name: 'agentrt', label: 'agentrt', peer: false, durable: true },
];

export const USAGE = `usage: pnpm bench:peers [--quick] [--only=a,b] [--rounds=N] [--synchronous=off|normal|full|extra] [--no-write]
  --quick           one round and shorter sampling (a first look; figures are noisier)
  --only=a,b        only these runtimes (${RUNTIMES.map((r) => r.name).join(', ')}); the bare loop is always added for the ratios
  --rounds=N        interleaved rounds per cell (default 3, --quick 1); the table shows the median
  --synchronous=X   SQLite synchronous level for every durable cell (default normal)
  --no-write        print the table without rewriting bench/peers/results.md`;

/**
 * Parses argv (without node and script). Throws an Error with a readable message on bad input.
 * @returns {{ quick: boolean, rounds: number, budgetMs: number, runtimes: string[], synchronous: string, write: boolean, help: boolean }}
 */
export function parseOptions(argv) {
  const options = { quick: false, rounds: undefined, runtimes: RUNTIMES.map((r) => r.name), synchronous: 'normal', write: true, help: false };
  for (const arg of argv) {
    const [key, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (key === '--quick' && value === undefined) options.quick = true;
    else if (key === '--help' || key === '-h') options.help = true;
    else if (key === '--no-write' && value === undefined) options.write = false;
    else if (key === '--only' && value) {
      const names = value.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = names.filter((n) => !RUNTIMES.some((r) => r.name === n));
      if (unknown.length > 0) throw new Error(`--only: unknown runtime(s) ${unknown.join(', ')}; known: ${RUNTIMES.map((r) => r.name).join(', ')}`);
      // Keep table order, and always keep the bare loop: every ratio is against it.
      options.runtimes = RUNTIMES.map((r) => r.name).filter((n) => n === 'bare' || names.includes(n));
    } else if (key === '--rounds' && /^[1-9]\d*$/.test(value ?? '')) options.rounds = Number(value);
    else if (key === '--synchronous' && ['off', 'normal', 'full', 'extra'].includes(value)) options.synchronous = value;
    else throw new Error(`unknown or malformed option "${arg}"\n${USAGE}`);
  }
  options.rounds ??= options.quick ? 1 : 3;
  options.budgetMs = options.quick ? 300 : 1000;
  return options;
}
