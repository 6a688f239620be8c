import { context, metrics, trace } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/** Where to send telemetry and what to call this service. */
export interface TelemetryOptions {
  /** OTLP/HTTP base URL, e.g. `http://localhost:4318` (a collector, Jaeger, Tempo) or a vendor's endpoint. */
  readonly endpoint: string;
  /** Extra request headers, e.g. `{ 'x-honeycomb-team': KEY }`. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly serviceName?: string;
}

/**
 * Sets up the OpenTelemetry SDK the usual way: a Node tracer provider registered globally (it
 * also installs the async-hooks context manager, so spans made inside tools nest correctly), a
 * batch span processor exporting OTLP/HTTP (JSON) to `${endpoint}/v1/traces`, and a meter
 * provider exporting to `${endpoint}/v1/metrics`. `shutdown()` flushes both.
 */
export function startTelemetry(options: TelemetryOptions): { shutdown(): Promise<void> } {
  const resource = resourceFromAttributes({ 'service.name': options.serviceName ?? 'agentrt-example' });
  const headers = { ...options.headers };
  const tracerProvider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.endpoint}/v1/traces`, headers }))],
  });
  tracerProvider.register();
  const meterProvider = new MeterProvider({
    resource,
    readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${options.endpoint}/v1/metrics`, headers }), exportIntervalMillis: 60_000 })],
  });
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      trace.disable();
      metrics.disable();
      context.disable();
    },
  };
}
