/**
 * One logger for every BoxFlow process (web, worker, scripts): pino, JSON lines with levels, or a
 * human-readable form at a terminal (BOXFLOW_LOG_FORMAT, default: pretty when stdout is a TTY, so
 * `npm start` reads well and a process manager or container gets JSON).
 *
 * Secrets and customer personal data are removed by configuration (pino `redact`): the paths below
 * plus BOXFLOW_LOG_REDACT. Log objects, not strings built from customer data: a path can only be
 * redacted when the value sits under a key.
 */
import { trace } from '@opentelemetry/api';
import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import { loadObservabilitySettings, ObservabilitySettings } from './settings';

export type { Logger } from 'pino';

export const REDACTED = '[redacted]';

/**
 * Keys whose values never reach a log line, at any depth of a logged object (matched without regard
 * to case): credentials (the API key in Authorization, session cookies, passwords, tokens, Temporal
 * task tokens) and customer personal data (name, phone, e-mail, address). BOXFLOW_LOG_REDACT adds
 * keys (a plain word) or pino redact paths (anything with a dot or bracket, such as `req.headers["x-a"]`).
 *
 * Keys are censored on a copy in formatters.log rather than with pino's redact paths alone: redact
 * paths that nest (`customer` and `*.*.phone`) leave the caller's own object modified (fast-redact
 * restores the outer one first), which broke order validation after a debug line.
 */
export const SENSITIVE_KEYS = [
  'authorization', 'cookie', 'set-cookie', 'x-api-key', 'apiKey', 'api_key', 'password', 'passwordHash', 'password_hash', 'token', 'taskToken', 'secret',
  'phone', 'customer_phone', 'customerPhone', 'email', 'recipient', 'customer', 'customer_json', 'shippingAddress', 'shipping_address_json', 'address', 'line1', 'line2',
];

/** pino redact paths for headers (objects made by pino-http's serializers, after formatters.log ran). */
export const DEFAULT_REDACT_PATHS: string[] = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'res.headers["set-cookie"]'];

const MAX_DEPTH = 8;

function isPlain(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A copy of plain objects and arrays with sensitive keys censored; other objects (errors, requests) are left to serializers. */
export function censor(value: unknown, keys: Set<string>, depth = 0): unknown {
  if (depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => censor(v, keys, depth + 1));
  if (!isPlain(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = keys.has(k.toLowerCase()) ? REDACTED : censor(v, keys, depth + 1);
  return out;
}

export interface CreateLoggerOptions {
  name?: string;
  settings?: ObservabilitySettings;
  /** Where lines go (tests pass a memory stream); default stdout (pretty-printed when the format is pretty). */
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

export function loggerOptions(settings: ObservabilitySettings, name?: string, base?: Record<string, unknown>): LoggerOptions {
  const extraPaths = settings.logRedact.filter((r) => /[.[]/.test(r));
  const keys = new Set([...SENSITIVE_KEYS, ...settings.logRedact.filter((r) => !/[.[]/.test(r))].map((k) => k.toLowerCase()));
  return {
    name,
    level: settings.logLevel,
    base: { pid: process.pid, ...base },
    redact: { paths: [...DEFAULT_REDACT_PATHS, ...extraPaths], censor: REDACTED },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }), log: (obj) => censor(obj, keys) as Record<string, unknown> },
    // With tracing on, each line names the trace and span it was written under (logs ↔ traces).
    mixin: () => {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { traceId, spanId };
    },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
  };
}

export function createLogger(opts: CreateLoggerOptions = {}): Logger {
  const settings = opts.settings ?? loadObservabilitySettings();
  const options = loggerOptions(settings, opts.name, opts.base);
  if (opts.destination) return pino(options, opts.destination);
  // Errors and worse on stderr, the rest on stdout (dedupe: each line goes to one of them).
  let out: DestinationStream;
  let err: DestinationStream;
  if (settings.logFormat === 'pretty') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pretty = require('pino-pretty') as (o: Record<string, unknown>) => DestinationStream;
    // One line per entry; request and response headers stay in the JSON form only.
    const prettyOptions = { colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name,req.headers,res.headers,req.remoteAddress', messageKey: 'msg', sync: true };
    out = pretty({ ...prettyOptions, destination: 1 });
    err = pretty({ ...prettyOptions, destination: 2 });
  } else {
    out = pino.destination({ fd: 1, sync: true });
    err = pino.destination({ fd: 2, sync: true });
  }
  return pino(options, pino.multistream([{ level: 'trace', stream: out }, { level: 'error', stream: err }], { dedupe: true }));
}

let root: Logger | undefined;

/** The process's logger, made on first use from the environment. */
export function rootLogger(): Logger {
  root ??= createLogger({ name: 'boxflow' });
  return root;
}

/** A child of the process's logger for one part (`web`, `worker`, `start`, `intake` …). */
export function logFor(component: string, bindings: Record<string, unknown> = {}): Logger {
  return rootLogger().child({ component, ...bindings });
}
