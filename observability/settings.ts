/**
 * Settings for running BoxFlow in the shop: metrics, logs, traces. Read from the environment only,
 * like config/settings.ts (kept apart so that operating concerns do not crowd the business settings).
 */
export interface ObservabilitySettings {
  /** `host:port` of the worker's Prometheus endpoint (the Temporal SDK's metrics); undefined = off. */
  workerMetricsAddress: string | undefined;
  /** Set: GET /metrics on the web app needs `Authorization: Bearer <key>`. Unset: loopback callers only. */
  metricsKey: string | undefined;
  /** pino level: trace, debug, info, warn, error, fatal, silent. */
  logLevel: string;
  /** json (one object per line) or pretty (for a person at a terminal). */
  logFormat: 'json' | 'pretty';
  /** Extra pino redact paths (comma-separated), added to the built-in list of secrets and personal data. */
  logRedact: string[];
  /** OTLP endpoint for traces; undefined = tracing off. */
  otlpEndpoint: string | undefined;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function loadObservabilitySettings(env: NodeJS.ProcessEnv = process.env, isTty = Boolean(process.stdout.isTTY)): ObservabilitySettings {
  const level = (env.BOXFLOW_LOG_LEVEL || (env.NODE_ENV === 'test' ? 'error' : 'info')).toLowerCase();
  if (!LEVELS.includes(level)) throw new Error(`BOXFLOW_LOG_LEVEL must be one of ${LEVELS.join(', ')}, got "${env.BOXFLOW_LOG_LEVEL}"`);
  const format = (env.BOXFLOW_LOG_FORMAT || (isTty ? 'pretty' : 'json')).toLowerCase();
  if (format !== 'json' && format !== 'pretty') throw new Error(`BOXFLOW_LOG_FORMAT must be json or pretty, got "${env.BOXFLOW_LOG_FORMAT}"`);
  const metricsAddress = env.BOXFLOW_WORKER_METRICS_ADDRESS;
  return {
    workerMetricsAddress: metricsAddress && metricsAddress !== 'off' ? metricsAddress : undefined,
    metricsKey: env.BOXFLOW_METRICS_KEY || undefined,
    logLevel: level,
    logFormat: format,
    logRedact: (env.BOXFLOW_LOG_REDACT || '').split(',').map((s) => s.trim()).filter(Boolean),
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
  };
}
