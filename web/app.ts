import path from 'node:path';
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { loadSettings } from '../config/settings';
import { loadObservabilitySettings } from '../observability/settings';
import type { Db } from '../db/knex';
import { analyticsApi } from './api/analytics.routes';
import { requireApiKey } from './api/auth';
import { catalogApi } from './api/catalog.routes';
import { inventoryApi } from './api/inventory.routes';
import { ordersApi } from './api/orders.routes';
import { afterHandOverApi } from './api/after-handover.routes';
import { tasksApi } from './api/tasks.routes';
import { webhooksApi } from './api/webhooks.routes';
import { alipayNotifyApi } from './api/alipay-notify.routes';
import { loadProviderSettings, ProviderSettings } from '../config/providers';
import { webhookSecretsFromEnv, WebhookSecrets } from './webhooks/secrets';
import type { PayloadCodec } from '@temporalio/common';
import { codecRoutes } from './codec.routes';
import { EncryptionCodec, parseCodecKeys } from '../worker/encryption-codec';
import { csrfProtection } from './auth/csrf';
import { authRoutes, AuthRouteOptions } from './auth/routes';
import { sessionMiddleware } from './auth/sessions';
import { analyticsPages } from './pages/analytics.pages';
import { apiKeyPages } from './pages/api-keys.pages';
import { webhookPages } from './pages/webhooks.pages';
import { webhookSubscriptionsApi } from './api/webhook-subscriptions.routes';
import { allowPrivateWebhookTargets } from './services/webhook-subscriptions';
import { consolePages } from './pages/console.pages';
import { orderPages } from './pages/orders.pages';
import { servicePages } from './pages/service.pages';
import { trainingPages } from './pages/training.pages';
import type { Tracer } from '@opentelemetry/api';
import { healthRoutes } from './health';
import { httpSpans } from './tracing';
import { cachedFor, createWebMetrics } from './metrics';
import { listAllStuckOrders } from './services/stuck-orders';
import { requestLogging } from './request-logging';
import { logFor, Logger } from '../observability/logger';
import { warehousePages } from './pages/warehouse.pages';
import { renderPage } from './render';
import type { TemporalGateway } from './services/order-intake';

export interface AppDeps {
  db: Db;
  /** Where the list pages read (`/api/orders`, `/orders`, `/api/tasks`, the console inbox): the SQLite read pool (db/knex.ts createReadDb); default `db`. */
  readDb?: Db;
  temporal: TemporalGateway;
  apiKey: string;
  /** Sign-in rate limit (tests lower or raise it). */
  auth?: AuthRouteOptions;
  /** Where uploads live (training evidence photos under `<dataDir>/evidence`); default BOXFLOW_DATA_DIR. */
  dataDir?: string;
  /** Operating settings (metrics key, process metrics); default from the environment (observability/settings.ts). */
  ops?: { metricsKey?: string; processMetrics?: boolean };
  /** Where request and error logs go (default: the process's pino logger, component "web"). */
  logger?: Logger;
  /** Set when tracing is on (observability/tracing.ts): a span per request. */
  tracer?: Tracer;
  /** Inbound webhook secrets per provider; default BOXFLOW_WEBHOOK_SECRETS_<PROVIDER> (web/webhooks/secrets.ts). */
  webhookSecrets?: WebhookSecrets;
  /** The payload codec for /codec/encode and /codec/decode; default from BOXFLOW_CODEC_KEYS. */
  codec?: PayloadCodec;
  /** Express `trust proxy`; default BOXFLOW_TRUST_PROXY (trustProxySetting). */
  trustProxy?: string;
  /** The real providers' settings (Alipay's public key checks its notifications, Kuaidi100's salts its pushes); default from the environment (config/providers.ts). */
  providers?: ProviderSettings;
}

/** The Express app, without listen(): the server entry point and supertest both use it. */
export function createApp({ db, readDb, temporal, apiKey, auth, dataDir, ops, logger, tracer, webhookSecrets, codec, trustProxy, providers }: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxySetting(trustProxy ?? process.env.BOXFLOW_TRUST_PROXY));
  // Operating it (issue 14): RED metrics for every request and GET /metrics (loopback or key only).
  const metrics = createWebMetrics({
    db,
    metricsKey: ops?.metricsKey ?? loadObservabilitySettings().metricsKey,
    processMetrics: ops?.processMetrics,
    countStuckOrders: cachedFor(30_000, async () => (await listAllStuckOrders(db, temporal, { maxScanned: 5_000 })).orders.length),
  });
  app.use(metrics.middleware);
  if (tracer) app.use(httpSpans(tracer));
  // A request id (X-Request-Id, taken from the caller when sane, else made) on every response and log line.
  app.use(requestLogging(logger ?? logFor('web')));
  app.get('/metrics', metrics.handler);
  // Security headers for everything (pages, API, static). The CSP allows no inline script or style:
  // views link /static files only and never carry style= or <script> blocks.
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
        },
      },
    }),
  );
  app.use('/static', express.static(path.join(__dirname, 'public').replace(`${path.sep}dist${path.sep}`, path.sep), { maxAge: '1h' }));
  app.use(healthRoutes(db, temporal));

  // Webhooks are signed by each provider (Standard Webhooks over the raw body), not sent with the API key.
  // The real providers' settings, read once: Alipay's public key, Kuaidi100's push salts.
  const live = providers ?? loadProviderSettings();
  // Alipay's asynchronous notification: form-encoded, signed RSA2 by Alipay (its own protocol).
  app.use('/api/webhooks/alipay', alipayNotifyApi(db, temporal, live.alipay));
  // Kuaidi100's push (POST /api/webhooks/kuaidi100) is checked against its salts (none configured: refused).
  app.use('/api/webhooks', webhooksApi(db, temporal, webhookSecrets ?? webhookSecretsFromEnv(), live.kuaidi100?.pushSalts ?? []));
  const api = express.Router();
  api.use(requireApiKey(db, apiKey));
  api.use(express.json({ limit: '100kb', strict: true }));
  api.use(ordersApi(db, temporal, readDb ?? db));
  api.use(tasksApi(db, temporal, readDb ?? db));
  api.use(afterHandOverApi(db, temporal));
  api.use(catalogApi(db));
  api.use(inventoryApi(db, temporal));
  api.use(analyticsApi(db));
  api.use(webhookSubscriptionsApi(db, temporal));
  api.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such API route' });
  });
  app.use('/api', api);

  // Pages: session cookie, form bodies, CSRF check on every non-GET, then sign-in and admin routes.
  // Page routers mounted below this point get req.user, res.locals.csrfToken and the CSRF check.
  app.use(express.urlencoded({ extended: false, limit: '100kb' }));
  app.use(sessionMiddleware(db));
  // The Temporal UI's codec endpoint: JSON, supervisor session, no form (so before the CSRF check).
  app.use(codecRoutes(codec ?? defaultCodec(), (process.env.BOXFLOW_CODEC_CORS_ORIGINS ?? '').split(/[\s,]+/).filter(Boolean)));
  app.use(csrfProtection());
  app.use(authRoutes(db, auth));
  app.use(apiKeyPages(db, apiKey));
  app.use(webhookPages(db, temporal, { allowPrivate: allowPrivateWebhookTargets }));
  app.use(orderPages(db, readDb ?? db));
  app.use(analyticsPages(db));
  app.use(servicePages(db));
  app.use(trainingPages(db, { dataDir: dataDir ?? loadSettings().dataDir }));
  app.use(consolePages(db, temporal, readDb ?? db));
  app.use(warehousePages(db, temporal, { dataDir: dataDir ?? loadSettings().dataDir }));
  app.use((req, res) => renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404));

  app.use((err: Error & { type?: string; status?: number }, req: Request, res: Response, _next: NextFunction) => {
    const isApi = req.originalUrl.startsWith('/api');
    if (err.type === 'entity.parse.failed') {
      res.status(400).json({ error: 'invalid_json', message: 'the body is not valid JSON' });
      return;
    }
    if (err.type === 'entity.too.large') {
      res.status(413).json({ error: 'body_too_large', message: 'the body is larger than 100 kB' });
      return;
    }
    if (err.status && err.status >= 400 && err.status < 500) {
      res.status(err.status).json({ error: 'bad_request', message: err.message });
      return;
    }
    req.log.error({ err, reqId: req.id }, `${req.method} ${req.path} failed`);
    if (isApi || res.headersSent) {
      if (!res.headersSent) res.status(500).json({ error: 'internal_error', message: 'something went wrong; it has been logged', requestId: req.id });
      return;
    }
    void renderPage(req, res, 'error', { messageKey: 'error.title', requestId: req.id }, 500);
  });
  return app;
}

function defaultCodec(): PayloadCodec | undefined {
  const keys = parseCodecKeys(loadSettings().codecKeys);
  return keys.length ? new EncryptionCodec(keys) : undefined;
}

/**
 * BOXFLOW_TRUST_PROXY: which proxies may name the client's address in X-Forwarded-For (sign-in rate
 * limits and lockouts are per address). Unset: loopback only (a proxy on the same machine). A number:
 * that many proxy hops in front (e.g. 1 behind one TLS proxy or load balancer). Otherwise addresses
 * or subnets, comma-separated ("10.0.0.0/8, loopback"); "false" or "0": trust none.
 */
export function trustProxySetting(raw: string | undefined): boolean | number | string {
  const v = (raw ?? '').trim();
  if (!v) return 'loopback';
  if (v === 'false' || v === '0' || v === 'off') return false;
  if (/^\d+$/.test(v)) return Number(v);
  if (v === 'true') throw new Error('BOXFLOW_TRUST_PROXY=true would let any client choose its address; give the number of proxy hops or their addresses');
  return v;
}
