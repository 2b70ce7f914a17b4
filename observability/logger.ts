/**
 * One logger for every BoxFlow process (web, worker, scripts): pino, JSON lines with levels, or a
 * human-readable form at a terminal (BOXFLOW_LOG_FORMAT, default: pretty when stdout is a TTY, so
 * `npm start` reads well and a process manager or container gets JSON).
 *
 * Secrets and customer personal data are removed by configuration (pino `redact`): the paths below
 * plus BOXFLOW_LOG_REDACT. Log objects, not strings built from customer data: a path can only be
 * redacted when the value sits under a key.
 */
import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import { loadObservabilitySettings, ObservabilitySettings } from './settings';

export type { Logger } from 'pino';

export const REDACTED = '[redacted]';

/**
 * Paths whose values never reach a log line: credentials (the API key in Authorization, session
 * cookies, passwords, tokens) and customer personal data (name, phone, e-mail, address), at the top
 * level and up to three levels down (`order.customer.phone`, `input.shippingAddress`).
 */
const SENSITIVE_KEYS = ['authorization', 'cookie', 'apiKey', 'api_key', 'password', 'passwordHash', 'token', 'secret', 'phone', 'customer_phone', 'customerPhone', 'email', 'recipient', 'customer', 'customer_json', 'shippingAddress', 'shipping_address_json', 'address', 'line1', 'line2'];

export const DEFAULT_REDACT_PATHS: string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-boxflow-signature"]',
  'res.headers["set-cookie"]',
  ...SENSITIVE_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]),
];

export interface CreateLoggerOptions {
  name?: string;
  settings?: ObservabilitySettings;
  /** Where lines go (tests pass a memory stream); default stdout (pretty-printed when the format is pretty). */
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

export function loggerOptions(settings: ObservabilitySettings, name?: string, base?: Record<string, unknown>): LoggerOptions {
  return {
    name,
    level: settings.logLevel,
    base: { pid: process.pid, ...base },
    redact: { paths: [...DEFAULT_REDACT_PATHS, ...settings.logRedact], censor: REDACTED },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
  };
}

export function createLogger(opts: CreateLoggerOptions = {}): Logger {
  const settings = opts.settings ?? loadObservabilitySettings();
  const options = loggerOptions(settings, opts.name, opts.base);
  if (opts.destination) return pino(options, opts.destination);
  if (settings.logFormat === 'pretty') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pretty = require('pino-pretty') as (o: Record<string, unknown>) => DestinationStream;
    return pino(options, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', messageKey: 'msg', sync: true }));
  }
  return pino(options, pino.destination({ fd: 1, sync: true }));
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
