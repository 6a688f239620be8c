import 'reflect-metadata';
import { askSupport, createSupportRuntime } from './agent.js';
import { startTelemetry } from './telemetry.js';

// OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 node dist/main.js
const telemetry = startTelemetry({
  endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318',
  serviceName: process.env.OTEL_SERVICE_NAME ?? 'agentrt-support',
});
const result = await askSupport(createSupportRuntime());
console.log(`${result.stopReason}: ${result.output ?? ''}`);
await telemetry.shutdown();
console.log('telemetry flushed');
