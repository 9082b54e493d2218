import type { AdminHealthDto, PublicDependenciesDto } from './dto/health.response.dto';
import type { ReadinessReport } from './readiness.service';

/** Up or down per dependency, and nothing else: no hosts, ARNs or driver text. */
export function toPublic(report: ReadinessReport): PublicDependenciesDto {
  return {
    database: { status: report.database.status },
    sqs: { status: report.sqs.status },
    ...(report.workers ? { workers: { status: report.workers.status } } : {}),
  };
}

/** Everything the check learnt, for admins. */
export function toAdmin(report: ReadinessReport): AdminHealthDto {
  const { database, sqs, workers } = report;
  return {
    ready: report.ready,
    checkedAt: report.checkedAt.toISOString(),
    database,
    sqs: {
      status: sqs.status,
      queue: sqs.stats?.queue ?? null,
      deadLetter: sqs.stats?.deadLetter ?? null,
      ...(sqs.stats?.priorityLane ? { priorityLane: sqs.stats.priorityLane } : {}),
      message: sqs.message,
    },
    workers: workers && { ...workers, lastSeenAt: workers.lastSeenAt?.toISOString() ?? null },
  };
}
