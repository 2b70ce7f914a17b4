/**
 * Prometheus metrics of the web app on GET /metrics (prom-client, one registry per app so that tests
 * can build several apps in one process):
 * - RED per route: `boxflow_http_requests_total{method,route,status}` (rate, and errors as
 *   status="5xx"), `boxflow_http_request_duration_seconds{method,route,status}` (duration);
 * - what a shift lead watches, read from the app database at scrape time: orders by status, open
 *   tasks by kind and age bucket, orders at risk of missing ship-by, SLA breaches today, stuck orders
 *   (Temporal visibility, web/services/stuck-orders.ts), the customer-notification outbox backlog,
 *   the outbound-webhook delivery backlog, and (stations mode) waves past their pack-by time with
 *   orders not packed.
 *
 * /metrics is not public: with BOXFLOW_METRICS_KEY set it needs `Authorization: Bearer <key>`;
 * without it only loopback callers get it (req.ip, which honours X-Forwarded-For from a proxy on
 * loopback only: `trust proxy` is 'loopback'), everyone else gets 404.
 */
import crypto from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import client from 'prom-client';
import type { Db } from '../db/knex';
import { countUndeliveredByStatus } from '../db/outbound-webhooks';
import { listFloorOrders } from '../db/warehouse';
import { buildWaves, wavesBehindOnPacking } from '../domain/waves';
import { dbTime } from '../db/time';

/** Open-task age buckets (label `age`), by how long the task has waited for a person. */
export const TASK_AGE_BUCKETS: Array<{ label: string; underMs: number }> = [
  { label: 'under_15m', underMs: 15 * 60_000 },
  { label: '15m_to_1h', underMs: 60 * 60_000 },
  { label: '1h_to_4h', underMs: 4 * 60 * 60_000 },
  { label: '4h_to_24h', underMs: 24 * 60 * 60_000 },
  { label: 'over_24h', underMs: Infinity },
];

const FINAL_STATUSES = ['shipped', 'delivered', 'returned', 'cancelled', 'failed'];

export interface WebMetricsOptions {
  db: Db;
  /** Counts the stuck orders (Temporal visibility); absent or failing: the gauge is left out of the scrape. */
  countStuckOrders?: () => Promise<number>;
  /** Node's process metrics (CPU, memory, event loop lag): on in the server, off in tests. */
  processMetrics?: boolean;
  /** BOXFLOW_METRICS_KEY. */
  metricsKey?: string;
  now?: () => number;
}

export interface WebMetrics {
  registry: client.Registry;
  /** Counts and times every request (mount first). */
  middleware: RequestHandler;
  /** GET /metrics. */
  handler: RequestHandler;
}

/** The route a request matched, as its pattern (`/api/orders/:orderNo`), so labels stay few. */
export function routeLabel(req: Request): string {
  if (req.route?.path) return `${req.baseUrl ?? ''}${String(req.route.path)}`;
  if (req.originalUrl.startsWith('/static/')) return '/static';
  return 'unmatched';
}

export function createWebMetrics(opts: WebMetricsOptions): WebMetrics {
  const { db } = opts;
  const now = opts.now ?? Date.now;
  const registry = new client.Registry();
  if (opts.processMetrics) client.collectDefaultMetrics({ register: registry, prefix: 'boxflow_web_' });

  const requests = new client.Counter({
    name: 'boxflow_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new client.Histogram({
    name: 'boxflow_http_request_duration_seconds',
    help: 'HTTP request duration until the response was sent, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  new client.Gauge({
    name: 'boxflow_orders',
    help: 'Orders in the app database by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows: Array<{ status: string; n: number | string }> = await db('orders').select('status').count({ n: '*' }).groupBy('status') as never;
      for (const r of rows) this.set({ status: String(r.status) }, Number(r.n));
    },
  });
  new client.Gauge({
    name: 'boxflow_open_tasks',
    help: 'Tasks waiting for a person, by kind and by how long they have waited (age bucket)',
    labelNames: ['kind', 'age'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db('tasks').where({ status: 'open' }).select('kind', 'created_at');
      const t = now();
      const counts = new Map<string, number>();
      for (const r of rows) {
        const age = t - new Date(r.created_at as string | Date).getTime();
        const bucket = TASK_AGE_BUCKETS.find((b) => age < b.underMs)!.label;
        const key = `${r.kind}\u0000${bucket}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const [key, n] of counts) {
        const [kind, age] = key.split('\u0000');
        this.set({ kind, age }, n);
      }
    },
  });
  new client.Gauge({
    name: 'boxflow_orders_at_risk',
    help: 'Orders not yet shipped that are at risk of missing their ship-by time (P2.8)',
    registers: [registry],
    async collect() {
      const [{ n }] = await db('orders').where('at_risk', true).whereNotIn('status', FINAL_STATUSES).whereNull('sla_breached_at').count({ n: '*' });
      this.set(Number(n));
    },
  });
  new client.Gauge({
    name: 'boxflow_sla_breaches_today',
    help: 'Orders whose ship-by time passed unshipped since midnight UTC today',
    registers: [registry],
    async collect() {
      const midnight = new Date(now());
      midnight.setUTCHours(0, 0, 0, 0);
      const [{ n }] = await db('orders').where('sla_breached_at', '>=', dbTime(midnight.getTime())).count({ n: '*' });
      this.set(Number(n));
    },
  });
  new client.Gauge({
    name: 'boxflow_notification_outbox',
    help: 'Customer notifications in the outbox not yet sent, by status (pending, sending, failed)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of ['pending', 'sending', 'failed']) this.set({ status: s }, 0);
      const rows: Array<{ status: string; n: number | string }> = await db('notifications').whereNot('status', 'sent').select('status').count({ n: '*' }).groupBy('status') as never;
      for (const r of rows) this.set({ status: String(r.status) }, Number(r.n));
    },
  });
  new client.Gauge({
    name: 'boxflow_outbound_webhook_deliveries',
    help: 'Outbound webhook deliveries not yet delivered, by status (pending, sending, retrying, failed)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [status, n] of Object.entries(await countUndeliveredByStatus(db))) this.set({ status }, n);
    },
  });
  new client.Gauge({
    name: 'boxflow_wave_orders_not_packed',
    help: 'Orders still at the pick or pack station in waves whose pack-by time (2 h before the carrier cut-off) has passed, by carrier (stations mode)',
    labelNames: ['carrier'],
    registers: [registry],
    async collect() {
      this.reset();
      const at = now();
      for (const w of wavesBehindOnPacking(buildWaves(await listFloorOrders(db), at), at)) this.inc({ carrier: w.carrier }, w.notPacked);
    },
  });
  if (opts.countStuckOrders) {
    const countStuck = opts.countStuckOrders;
    const scrapeErrors = new client.Counter({
      name: 'boxflow_metrics_collect_errors_total',
      help: 'Business gauges that could not be read at a scrape (Temporal unreachable, …)',
      labelNames: ['gauge'],
      registers: [registry],
    });
    new client.Gauge({
      name: 'boxflow_stuck_orders',
      help: 'Orders whose workflow runs but has not moved for longer than the quiet threshold, or keeps retrying an activity (no task open)',
      registers: [registry],
      async collect() {
        try {
          this.set(await countStuck());
        } catch {
          scrapeErrors.inc({ gauge: 'boxflow_stuck_orders' });
          this.set(Number.NaN);
        }
      },
    });
  }

  const middleware: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.once('finish', () => {
      const labels = { method: req.method, route: routeLabel(req), status: String(res.statusCode) };
      requests.inc(labels);
      end(labels);
    });
    next();
  };

  const handler: RequestHandler = async (req: Request, res: Response, next: NextFunction) => {
    if (!metricsAllowed(req, opts.metricsKey)) {
      res.status(404).type('text').send('not found');
      return;
    }
    try {
      res.type(registry.contentType).send(await registry.metrics());
    } catch (err) {
      next(err);
    }
  };
  return { registry, middleware, handler };
}

function metricsAllowed(req: Request, key: string | undefined): boolean {
  if (key) {
    const m = /^Bearer (.+)$/.exec(req.get('authorization') ?? '');
    if (!m) return false;
    const a = crypto.createHash('sha256').update(m[1]).digest();
    const b = crypto.createHash('sha256').update(key).digest();
    return crypto.timingSafeEqual(a, b);
  }
  const ip = req.ip ?? '';
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';
}

/** `fn`'s last result for `ms` (one Temporal visibility scan per 30 s however often Prometheus scrapes). */
export function cachedFor<T>(ms: number, fn: () => Promise<T>, now: () => number = Date.now): () => Promise<T> {
  let at = -Infinity;
  let last: Promise<T> | undefined;
  return () => {
    if (!last || now() - at >= ms) {
      at = now();
      last = fn();
      last.catch(() => {
        last = undefined;
      });
    }
    return last;
  };
}
