import pino, { type Logger } from 'pino';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type { Logger };

/**
 * Structured logs. Credentials never reach a log line: request headers are not logged, and these
 * paths are redacted wherever they appear.
 */
export function createLogger(level: string = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tenantpilot' },
      redact: {
        paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'metadata', '*.metadata'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** Prometheus metrics of one server instance (its own registry, so tests can run many). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tenantpilot_process_' });
  const m = {
    registry,
    eventsRecorded: new Counter({
      name: 'tenantpilot_telemetry_events_recorded_total',
      help: 'Telemetry events written to the ledger, by event name',
      labelNames: ['event'] as const,
      registers: [registry],
    }),
    eventsRejected: new Counter({
      name: 'tenantpilot_telemetry_events_rejected_total',
      help: 'Telemetry events refused before any write, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    recorderFailures: new Counter({
      name: 'tenantpilot_telemetry_recorder_failures_total',
      help: 'Ledger writes that failed and were rolled back to the savepoint (the source action still succeeded)',
      registers: [registry],
    }),
    pruneRuns: new Counter({
      name: 'tenantpilot_telemetry_prune_runs_total',
      help: 'Completed prune runs, by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    rowsPruned: new Counter({
      name: 'tenantpilot_telemetry_rows_pruned_total',
      help: 'Ledger rows deleted by prune',
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'tenantpilot_trpc_request_duration_seconds',
      help: 'tRPC procedure latency',
      labelNames: ['path', 'code'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
  return m;
}
export type Metrics = ReturnType<typeof createMetrics>;
