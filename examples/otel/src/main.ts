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
const { failures } = await telemetry.shutdown();
if (failures.length === 0) console.log('telemetry flushed');
else {
  console.error(`telemetry not exported (is a collector listening?): ${failures.join('; ')}`);
  process.exitCode = 1;
}
