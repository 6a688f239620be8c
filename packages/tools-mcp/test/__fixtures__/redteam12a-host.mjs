// A host process for red team 12a: two calls whose event streams the server ends after a priming
// event with `retry: 3600000` (never answered), then bridge.close() and the server closed. The
// process must end by itself: no reconnection timer may keep it alive. Prints one JSON line.
import { McpBridge } from '@agentrt/tools-mcp';
import { startRawMcp } from './redteam12a-http.mjs';

const server = await startRawMcp();
const bridge = await McpBridge.connect({ name: 'web', url: server.url, allowHttp: true, allowPrivateAddresses: ['127.0.0.1/32'], timeoutMs: 1_000 });
const tool = bridge.tools().find((candidate) => candidate.name === 'web__prime_forever');
const call = (id) => tool.execute({}, { runId: 'r', stepIndex: 0, toolCallId: id, idempotencyKey: `r:${id}`, signal: new AbortController().signal }).then(() => 'answered', (error) => error.code);
const outcomes = await Promise.all([call('a'), call('b')]);
await bridge.close();
await server.close();
process.stdout.write(`${JSON.stringify({ outcomes })}\n`);
