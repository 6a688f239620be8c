// A raw JSON-RPC MCP server over stdio (no SDK) for the red-team tests: output schemas that are
// costly to evaluate, and JSON-RPC errors under the codes the SDK also uses for its own failures.
import { createInterface } from 'node:readline';

const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
// JSON.parse keeps "__proto__" as an own key (a literal would set the prototype instead).
const smuggledPattern = JSON.parse('{"type":"object","properties":{"x":{"type":"string","__proto__":{"pattern":"^(a+)+$"}}},"required":["x"]}');
// Two anyOf branches per level over a recursive $ref: checking a value nested N levels costs 2^N.
const exponential = {
  $defs: { node: { anyOf: [
    { type: 'object', properties: { next: { $ref: '#/$defs/node' }, tag: { const: 1 } } },
    { type: 'object', properties: { next: { $ref: '#/$defs/node' }, tag: { const: 2 } } },
  ] } },
  type: 'object',
  $ref: '#/$defs/node',
};
const nested = (depth) => {
  let value = { tag: 3 };
  for (let i = 0; i < depth; i++) value = { next: value, tag: 2 };
  return value;
};
const tools = [
  { name: 'smuggled_pattern', description: 'a pattern hidden under __proto__', inputSchema: { type: 'object' }, outputSchema: smuggledPattern },
  { name: 'exponential', description: 'anyOf over a recursive $ref', inputSchema: { type: 'object' }, outputSchema: exponential },
  { name: 'checked', description: 'structured output that matches', inputSchema: { type: 'object' }, outputSchema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] } },
  { name: 'error_32000', description: 'answers with JSON-RPC error -32000', inputSchema: { type: 'object' } },
  { name: 'error_32001', description: 'answers with JSON-RPC error -32001', inputSchema: { type: 'object' } },
  { name: 'error_huge', description: 'a JSON-RPC error with a 1 MB message', inputSchema: { type: 'object' } },
  { name: 'ok', description: 'answers', inputSchema: { type: 'object' } },
];
const results = {
  smuggled_pattern: () => ({ content: [], structuredContent: { x: `${'a'.repeat(40)}!` } }),
  exponential: () => ({ content: [], structuredContent: nested(40) }),
  checked: () => ({ content: [], structuredContent: { n: 1 } }),
  ok: () => ({ content: [{ type: 'text', text: 'fine' }] }),
};
const errors = {
  error_32000: { code: -32000, message: 'the backend is busy' },
  error_32001: { code: -32001, message: 'upstream timed out' },
  error_huge: { code: -32603, message: 'E'.repeat(1_000_000) },
};

createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line);
  if (message.id === undefined) return;
  if (message.method === 'initialize') {
    send({ jsonrpc: '2.0', id: message.id, result: { protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'redteam', version: '1.0.0' } } });
  } else if (message.method === 'tools/list') {
    send({ jsonrpc: '2.0', id: message.id, result: { tools } });
  } else if (message.method === 'tools/call') {
    const name = message.params.name;
    if (errors[name]) send({ jsonrpc: '2.0', id: message.id, error: errors[name] });
    else send({ jsonrpc: '2.0', id: message.id, result: results[name]() });
  } else {
    send({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'method not found' } });
  }
});
