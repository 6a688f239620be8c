// A host process that builds a runtime with the MCP plugin (built code) and is expected to end
// by itself afterwards: `node host.mjs <scenario>`. Prints one JSON line per started server
// ({ pid }) and a last line with the outcome ({ created } or { code, message }).
import { createRuntimeAsync } from '@agentrt/core';
import { mcpPlugin } from '@agentrt/tools-mcp';

const scenario = process.argv[2];
const here = new URL('.', import.meta.url).pathname;
const good = (name) => ({ name, command: process.execPath, args: [`${here}server.mjs`] });
const crashing = { name: 'crashing', command: process.execPath, args: [`${here}hostile-server.mjs`, 'crash-at-start'] };
const model = { provider: 'test', model: 'host', generate: async () => { throw new Error('unused'); } };
const onConnected = (bridge) => process.stdout.write(`${JSON.stringify({ pid: bridge.pid })}\n`);

const options = {
  'second-server-fails': { model, plugins: [{ plugin: mcpPlugin, options: { servers: [good('first'), crashing], onConnected } }] },
  'runtime-options-invalid': { model, limits: { maxSteps: 0 }, plugins: [{ plugin: mcpPlugin, options: { servers: [good('first')], onConnected } }] },
  'runtime-invalid-after-plugins': { plugins: [{ plugin: mcpPlugin, options: { servers: [good('first'), good('second')], onConnected } }] },
  'created-and-closed': { model, plugins: [{ plugin: mcpPlugin, options: { servers: [good('first')], onConnected } }] },
}[scenario];

try {
  const runtime = await createRuntimeAsync(options);
  if (scenario === 'created-and-closed') await runtime.close();
  process.stdout.write(`${JSON.stringify({ created: true })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ code: error.code, field: error.field, message: error.message })}\n`);
}
// No process.exit: the host must be able to end on its own (no server process or handle left).
