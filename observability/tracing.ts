/**
 * OpenTelemetry traces (issue 14), off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (then spans go there
 * over OTLP/HTTP) or a test passes its own exporter. One trace per request: the web app's HTTP span
 * (web/app.ts), the Temporal client's StartWorkflow span (the client interceptor puts the context in
 * the workflow's headers), the workflow's spans (the workflow interceptor module in the bundle, exported
 * through a sink), each activity's RunActivity span and the knex queries made under any of them.
 */
import * as otel from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import type { Knex } from 'knex';

export const TRACER_NAME = 'boxflow';

export interface Tracing {
  provider: NodeTracerProvider;
  spanProcessor: SpanProcessor;
  resource: Resource;
  tracer: otel.Tracer;
  shutdown(): Promise<void>;
}

/** The workflow interceptor module to bundle with the workflows (workflowInterceptorModules / workflowModules). */
export const WORKFLOW_INTERCEPTOR_MODULE = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/**
 * Installs the process's tracer provider, or returns undefined when tracing is off (no endpoint and
 * no exporter). `exporter` (tests: an InMemorySpanExporter) is flushed span by span.
 */
export function setupTracing(opts: { serviceName: string; endpoint?: string; exporter?: SpanExporter }): Tracing | undefined {
  if (!opts.exporter && !opts.endpoint) return undefined;
  const resource = new Resource({ 'service.name': opts.serviceName });
  const spanProcessor = opts.exporter
    ? new SimpleSpanProcessor(opts.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: `${opts.endpoint!.replace(/\/+$/, '')}/v1/traces` }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return {
    provider,
    spanProcessor,
    resource,
    tracer: otel.trace.getTracer(TRACER_NAME),
    async shutdown() {
      // A collector that is down must not stop the process from stopping.
      await provider.forceFlush().catch(() => undefined);
      await provider.shutdown().catch(() => undefined);
      otel.trace.disable();
      otel.context.disable();
      otel.propagation.disable();
    },
  };
}

/** Interceptors for a Temporal Client (web app, scripts). */
export function clientInterceptors(tracing: Tracing | undefined): { workflow: WorkflowClientInterceptor[] } | undefined {
  return tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] } : undefined;
}

/**
 * Worker options for tracing: activity interceptors, the workflow interceptor module (effective when
 * the worker bundles workflows itself, or its prebuilt bundle was built with WORKFLOW_INTERCEPTOR_MODULE)
 * and the sink that exports workflow spans.
 */
export function workerTracingOptions(tracing: Tracing, opts: { prebuiltBundle?: boolean } = {}): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  return {
    interceptors: {
      // A prebuilt bundle carries its interceptor modules itself (bundleWorkflowCode's workflowInterceptorModules).
      ...(opts.prebuiltBundle ? {} : { workflowModules: [WORKFLOW_INTERCEPTOR_MODULE] }),
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}

/**
 * The workflow span sink for a worker with tracing off whose prebuilt bundle carries the workflow
 * interceptor (deploy/bundle-workflows.cjs builds the image's bundle with it): spans go nowhere.
 */
export function noWorkflowSpans(): Pick<WorkerOptions, 'sinks'> {
  return { sinks: { exporter: { export: { fn: () => undefined, callDuringReplay: false } } } };
}

/** A span per knex query (`db.query`), a child of whatever span is active when the query starts. */
export function traceKnex(db: Knex, tracer: otel.Tracer = otel.trace.getTracer(TRACER_NAME)): void {
  const spans = new Map<string, otel.Span>();
  db.on('query', (q: { __knexQueryUid?: string; sql?: string; method?: string }) => {
    if (!q.__knexQueryUid) return;
    const span = tracer.startSpan(`db ${q.method ?? 'query'}`, {
      kind: otel.SpanKind.CLIENT,
      attributes: { 'db.system': db.client.config.client === 'pg' ? 'postgresql' : 'sqlite', 'db.statement': String(q.sql ?? '').slice(0, 500) },
    });
    spans.set(q.__knexQueryUid, span);
  });
  const end = (err: Error | undefined, q: { __knexQueryUid?: string }) => {
    const span = q?.__knexQueryUid ? spans.get(q.__knexQueryUid) : undefined;
    if (!span) return;
    spans.delete(q.__knexQueryUid!);
    if (err) span.setStatus({ code: otel.SpanStatusCode.ERROR, message: err.message });
    span.end();
  };
  db.on('query-response', (_r: unknown, q: { __knexQueryUid?: string }) => end(undefined, q));
  db.on('query-error', (err: Error, q: { __knexQueryUid?: string }) => end(err, q));
}
