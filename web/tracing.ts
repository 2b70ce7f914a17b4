/**
 * One server span per HTTP request (named by method and route pattern once the route is known), the
 * parent of everything the request does: the Temporal client's StartWorkflow span, knex queries. A
 * caller's W3C traceparent header is honoured. Mounted only when tracing is on (observability/tracing.ts).
 */
import * as otel from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { routeLabel } from './metrics';

export function httpSpans(tracer: otel.Tracer): RequestHandler {
  return (req, res, next) => {
    const parent = otel.propagation.extract(otel.context.active(), req.headers);
    const span = tracer.startSpan(`${req.method} ${req.path}`, { kind: otel.SpanKind.SERVER, attributes: { 'http.method': req.method, 'http.target': req.path } }, parent);
    res.once('finish', () => {
      const route = routeLabel(req);
      span.updateName(`${req.method} ${route}`);
      span.setAttribute('http.route', route);
      span.setAttribute('http.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: otel.SpanStatusCode.ERROR });
      span.end();
    });
    otel.context.with(otel.trace.setSpan(parent, span), () => next());
  };
}
