// A raw JSON-RPC MCP server over stdio (no SDK) for red team 12a: `node redteam12a-server.mjs <mode>`.
// - churn: every tools/list names 100 tools it never named before (besides `stats`);
// - pages: resources/list and prompts/list pages of ~300 KB each that never end (a new cursor every time);
// - repeat: resources/list and prompts/list pages that always give the same cursor;
// - big-cursor: tools/list (after the first listing), resources/list and prompts/list pages of one entry with a new 400 KB cursor each.
// Tool `stats` answers how many times each method was called.
import { createInterface } from 'node:readline';

const mode = process.argv[2] ?? 'churn';
const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const counts = {};
let listings = 0;
const filler = 'x'.repeat(3_000);
const page = (kind, cursor) => {
  const n = Number(String(cursor ?? 'c0').slice(1, 12)) + 1;
  if (mode === 'big-cursor') return { [kind]: [kind === 'tools' ? { name: `t${n}`, inputSchema: { type: 'object' } } : kind === 'resources' ? { uri: `file:///r/${n}`, name: `r${n}` } : { name: `p${n}` }], nextCursor: `c${String(n).padStart(11, '0')}${'z'.repeat(400_000)}` };
  const entries = Array.from({ length: 100 }, (_, i) => (kind === 'resources' ? { uri: `file:///r/${n}/${i}`, name: `r${n}_${i}`, description: filler } : { name: `p${n}_${i}`, description: filler }));
  return { [kind]: entries, nextCursor: mode === 'repeat' ? 'same' : `c${n}` };
};
createInterface({ input: process.stdin }).on('line', (line) => {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  const { id, method, params } = message;
  if (id === undefined || typeof method !== 'string') return;
  counts[method] = (counts[method] ?? 0) + 1;
  const result = (value) => send({ jsonrpc: '2.0', id, result: value });
  switch (method) {
    case 'initialize': return result({ protocolVersion: params.protocolVersion, capabilities: { tools: { listChanged: true }, resources: {}, prompts: {} }, serverInfo: { name: 'redteam12a', version: '1.0.0' } });
    case 'tools/list': {
      listings++;
      if (mode === 'big-cursor' && listings > 1) return result(page('tools', params?.cursor));
      const tools = [{ name: 'stats', description: 'method counts', inputSchema: { type: 'object' } }];
      if (mode === 'churn' && listings > 1) for (let i = 0; i < 100; i++) tools.push({ name: `t${listings}_${i}`, description: filler, inputSchema: { type: 'object' } });
      return result({ tools });
    }
    case 'tools/call': return result({ content: [{ type: 'text', text: JSON.stringify(counts) }] });
    case 'resources/list': return result(page('resources', params?.cursor));
    case 'prompts/list': return result(page('prompts', params?.cursor));
    default: return send({ jsonrpc: '2.0', id, error: { code: -32601, message: `no ${method}` } });
  }
});
