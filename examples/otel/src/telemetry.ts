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

/** What `shutdown()` could not do: an export that failed (no collector listening, a 4xx from a vendor). */
export interface TelemetryShutdown {
  /** One line per provider whose last export failed; empty when everything was delivered. */
  readonly failures: readonly string[];
}

/**
 * Sets up the OpenTelemetry SDK the usual way: a Node tracer provider registered globally (it
 * also installs the async-hooks context manager, so spans made inside tools nest correctly), a
 * batch span processor exporting OTLP/HTTP (JSON) to `${endpoint}/v1/traces`, and a meter
 * provider exporting to `${endpoint}/v1/metrics`. `shutdown()` flushes both; an export that
 * fails is reported in its answer, never thrown (telemetry must not take the program down).
 */
export function startTelemetry(options: TelemetryOptions): { shutdown(): Promise<TelemetryShutdown> } {
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
      const settled = await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
      trace.disable();
      metrics.disable();
      context.disable();
      const failures = settled.flatMap((outcome, i) => {
        if (outcome.status === 'fulfilled') return [];
        const reason = outcome.reason as { code?: unknown; message?: unknown } | undefined;
        return [`${i === 0 ? 'traces' : 'metrics'} to ${options.endpoint}: ${String(reason?.code ?? reason?.message ?? reason)}`];
      });
      return { failures };
    },
  };
}
