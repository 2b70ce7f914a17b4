/**
 * The worker process's Temporal runtime, installed once per process (Runtime.install may only be
 * called once, before the first connection or worker): the SDK's own log output, including what
 * workflows and activities log through `log` from @temporalio/workflow and @temporalio/activity, goes
 * into the process's pino logger with the workflow id, run id and activity type as fields; the SDK's
 * Prometheus metrics (schedule-to-start latency, task slots, sticky cache, workflow task failures)
 * are served on BOXFLOW_WORKER_METRICS_ADDRESS (`host:port`, path /metrics) when it is set.
 *
 * Only worker/main.ts calls this. Tests that run workers in-process install their own quiet runtime
 * (test/support/harness.ts, time-skipping.ts); a test that needs these metrics spawns the real worker
 * process (test/support/worker-process.ts).
 */
import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { Logger } from '../observability/logger';
import type { ObservabilitySettings } from '../observability/settings';

const LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** The Temporal SDK's Logger interface on top of pino; activity run ids come out as `runId` like workflows'. */
export class PinoSdkLogger implements SdkLogger {
  constructor(private readonly pino: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const fields: Record<string, unknown> = { ...(meta ?? {}) };
    if (fields.workflowRunId && !fields.runId) fields.runId = fields.workflowRunId;
    delete fields.workflowRunId;
    // Core's own (native) lines carry a `target`; everything carries sdkComponent.
    this.pino[LEVEL[level] ?? 'info'](fields, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

export function installWorkerRuntime(settings: ObservabilitySettings, logger: Logger): void {
  Runtime.install({
    logger: new PinoSdkLogger(logger),
    telemetryOptions: {
      // Native (Core) log lines come through the same logger instead of straight to stderr.
      logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
      ...(settings.workerMetricsAddress
        ? { metrics: { prometheus: { bindAddress: settings.workerMetricsAddress, useSecondsForDurations: true, countersTotalSuffix: true } } }
        : {}),
    },
  });
}
