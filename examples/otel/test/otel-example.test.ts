import { spawnSync } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { askSupport, createSupportRuntime } from '../src/agent.js';
import { startTelemetry } from '../src/telemetry.js';

interface OtlpValue { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number; arrayValue?: { values: OtlpValue[] } }
interface OtlpSpan { name: string; kind: number; traceId: string; spanId: string; parentSpanId?: string; attributes: { key: string; value: OtlpValue }[] }

/** A tiny OTLP/HTTP collector on 127.0.0.1: records every export request it receives. */
async function startCollector() {
  const received: { path: string; contentType: string | undefined; body: any }[] = [];
  const read = (request: IncomingMessage) => new Promise<string>((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > 10_000_000) request.destroy(new Error('too large'));
    });
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
  const server = createServer(async (request, response) => {
    const text = await read(request);
    received.push({ path: request.url ?? '', contentType: request.headers['content-type'], body: JSON.parse(text) });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const value = (v: OtlpValue | undefined): unknown => v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : undefined) ?? v?.boolValue ?? v?.doubleValue ?? v?.arrayValue?.values.map(value);
const attrs = (span: OtlpSpan) => Object.fromEntries(span.attributes.map((a) => [a.key, value(a.value)]));

let collector: Awaited<ReturnType<typeof startCollector>> | undefined;
afterEach(async () => {
  await collector?.close();
});

describe('the OpenTelemetry example', () => {
  it('exports the run’s spans and metrics over OTLP/HTTP to a collector', async () => {
    collector = await startCollector();
    const telemetry = startTelemetry({ endpoint: collector.url, serviceName: 'support-test', headers: { 'x-api-key': 'test' } });
    const result = await askSupport(createSupportRuntime());
    expect(result.stopReason).toBe('final_answer');
    await telemetry.shutdown();

    const traces = collector.received.filter((request) => request.path === '/v1/traces');
    expect(traces.length).toBeGreaterThan(0);
    expect(traces[0]!.contentType).toContain('application/json');
    const resourceSpans = traces.flatMap((request) => request.body.resourceSpans);
    expect(resourceSpans[0].resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'support-test' } });
    const spans: OtlpSpan[] = resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans));
    const names = spans.map((span) => span.name).sort();
    expect(names).toEqual(['chat support-demo-1', 'chat support-demo-1', 'chat support-demo-1', 'execute_tool convert_currency', 'execute_tool lookup_order', 'execute_tool lookup_order', 'invoke_agent support', 'orders.get', 'orders.get']);
    const agent = spans.find((span) => span.name === 'invoke_agent support')!;
    expect(attrs(agent)).toMatchObject({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support', 'agentrt.stop_reason': 'final_answer', 'gen_ai.usage.input_tokens': 1730 });
    for (const span of spans.filter((s) => s.name.startsWith('chat'))) expect(span.parentSpanId).toBe(agent.spanId);
    const tools = spans.filter((s) => s.name === 'execute_tool lookup_order');
    for (const db of spans.filter((s) => s.name === 'orders.get')) expect(tools.map((t) => t.spanId)).toContain(db.parentSpanId);
    expect(new Set(spans.map((span) => span.traceId)).size).toBe(1);

    const metricNames = collector.received
      .filter((request) => request.path === '/v1/metrics')
      .flatMap((request) => request.body.resourceMetrics.flatMap((r: any) => r.scopeMetrics.flatMap((s: any) => s.metrics.map((m: any) => m.name))));
    expect(metricNames).toEqual(expect.arrayContaining(['gen_ai.client.token.usage', 'gen_ai.client.operation.duration', 'gen_ai.invoke_agent.duration', 'gen_ai.execute_tool.duration', 'agentrt.run.stops', 'agentrt.usage.cost']));
  });

  it('with no collector listening, the program still answers, reports the failed export and exits 1 (no crash)', async () => {
    // A port nothing listens on: bound, then closed.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');
    const child = spawnSync(process.execPath, [main], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` } });
    expect(child.stdout).toContain('final_answer:');
    expect(child.stderr).toContain('telemetry not exported');
    expect(child.stderr).toContain('ECONNREFUSED');
    expect(child.stderr).not.toContain('triggerUncaughtException');
    expect(child.status).toBe(1);
  });
});
