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
const onConnected = (bridge) => process.stdout.write(`${JSON.stringify(bridge.pid ? { pid: bridge.pid } : { http: bridge.name })}\n`);
// A Streamable HTTP server the test runs on loopback: `node host.mjs <scenario> <url> <token>`.
const web = { name: 'web', url: process.argv[3], allowHttp: true, allowPrivateAddresses: ['127.0.0.1/32'], headers: { authorization: `Bearer ${process.argv[4]}` } };

const options = {
  'second-server-fails': { model, plugins: [{ plugin: mcpPlugin, options: { servers: [good('first'), crashing], onConnected } }] },
  'runtime-options-invalid': { model, limits: { maxSteps: 0 }, plugins: [{ plugin: mcpPlugin, options: { servers: [good('first')], onConnected } }] },
  'runtime-invalid-after-plugins': { plugins: [{ plugin: mcpPlugin, options: { servers: [good('first'), good('second')], onConnected } }] },
  'created-and-closed': { model, plugins: [{ plugin: mcpPlugin, options: { servers: [good('first')], onConnected } }] },
  'http-then-stdio-fails': { model, plugins: [{ plugin: mcpPlugin, options: { servers: [web, crashing], onConnected } }] },
  'http-runtime-invalid-after-plugins': { plugins: [{ plugin: mcpPlugin, options: { servers: [web, good('second')], onConnected } }] },
  'http-created-and-closed': { model, plugins: [{ plugin: mcpPlugin, options: { servers: [web], onConnected } }] },
}[scenario];

try {
  const runtime = await createRuntimeAsync(options);
  if (scenario === 'created-and-closed' || scenario === 'http-created-and-closed') await runtime.close();
  process.stdout.write(`${JSON.stringify({ created: true })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ code: error.code, field: error.field, message: error.message })}\n`);
}
// No process.exit: the host must be able to end on its own (no server process or handle left).
