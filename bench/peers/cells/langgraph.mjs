// LangGraph.js: a StateGraph agent ⇄ tools loop (MessagesAnnotation, prebuilt ToolNode and
// toolsCondition) with a MemorySaver checkpointer; the durable column uses SqliteSaver from
// @langchain/langgraph-checkpoint-sqlite on a better-sqlite3 database in WAL mode at the same
// `synchronous` setting as the others. The agent node calls the scripted model directly (no
// BaseChatModel wrapper), which is the cheapest way to drive LangGraph.
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { END, MemorySaver, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { join } from 'node:path';
import { z } from 'zod';
import { add, decide, DESCRIPTION, expectDone, USAGE } from './script.mjs';

const addTool = tool((args) => add(args), { name: 'add', description: DESCRIPTION, schema: z.object({ a: z.number(), b: z.number() }) });

function compile(steps, checkpointer) {
  const agent = (state) => {
    const last = state.messages.at(-1);
    const decision = decide(last?.type === 'tool' ? last.content : undefined, steps);
    const usage_metadata = { input_tokens: USAGE.inputTokens, output_tokens: USAGE.outputTokens, total_tokens: USAGE.inputTokens + USAGE.outputTokens };
    if (decision.text !== undefined) return { messages: [new AIMessage({ content: decision.text, usage_metadata })] };
    const { id, name, args } = decision.call;
    return { messages: [new AIMessage({ content: '', tool_calls: [{ id, name, args, type: 'tool_call' }], usage_metadata })] };
  };
  return new StateGraph(MessagesAnnotation)
    .addNode('agent', agent)
    .addNode('tools', new ToolNode([addTool]))
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', toolsCondition, ['tools', END])
    .addEdge('tools', 'agent')
    .compile({ checkpointer });
}

let threads = 0;
async function runOne(graph, steps) {
  const state = await graph.invoke({ messages: [new HumanMessage('go')] }, { configurable: { thread_id: `t${++threads}` }, recursionLimit: 2 * steps + 10 });
  expectDone(state.messages.at(-1).content, steps, 'langgraph');
}

export const name = 'langgraph';

export function setup(steps) {
  const graph = compile(steps, new MemorySaver());
  return () => runOne(graph, steps);
}

export async function setupDurable({ steps, dir, synchronous }) {
  const { SqliteSaver } = await import('@langchain/langgraph-checkpoint-sqlite');
  const { default: Database } = await import('better-sqlite3');
  const path = join(dir, 'langgraph.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
  const graph = compile(steps, new SqliteSaver(db));
  return { files: [path, `${path}-wal`], run: () => runOne(graph, steps), close: async () => db.close() };
}
