import { Transform } from 'class-transformer';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { validateCronExpression } from 'cron';
import { parseInteger } from '../env-validation';

const DAY_MS = 86_400_000;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };
const STATUSES = ['completed', 'failed', 'cancelled'] as const;
type FinishedStatus = (typeof STATUSES)[number];

/** Retention of finished jobs, by status, in ms. */
export type RetentionMs = Readonly<Record<FinishedStatus, number>>;

export const DEFAULT_RETENTION_MS: RetentionMs = {
  completed: 7 * DAY_MS,
  failed: 30 * DAY_MS,
  cancelled: 7 * DAY_MS,
};

/** Written instead of a cron expression, turns the schedule off. */
const CRON_OFF = 'off';

/** The cleanup-jobs job type (deleting old finished jobs) and the worker's schedule for it. */
export class CleanupEnv {
  /**
   * How long finished jobs are kept, per status: `completed=7d,failed=30d,cancelled=7d`. Units
   * s, m, h, d; a status left out keeps its default (the values shown). Failed means failed for
   * good: a failed job with a retry pending is never cleaned up.
   */
  @IsString()
  CLEANUP_RETENTION = '';

  /** Jobs deleted per statement (each its own short transaction), 1-10000. */
  @Transform(parseInteger)
  @Min(1)
  @Max(10_000)
  @IsInt()
  CLEANUP_BATCH_SIZE = 1000;

  /**
   * The system's clean-up schedule, as a cron expression in UTC (5 fields, or 6 with seconds):
   * the first worker creates the schedule from it; admins edit it through /api/v1/schedules from
   * then on (this is not read again). `off` creates none. Default: daily at 03:17.
   */
  @IsString()
  CLEANUP_CRON = '17 3 * * *';
}

export interface CleanupConfig {
  retentionMs: RetentionMs;
  /** Rows per delete statement. */
  batchSize: number;
  /** null: no schedule. */
  cron: string | null;
}

export const toCleanupConfig = (env: CleanupEnv): CleanupConfig => ({
  retentionMs: parseRetention(env.CLEANUP_RETENTION).value,
  batchSize: env.CLEANUP_BATCH_SIZE,
  cron: env.CLEANUP_CRON.toLowerCase() === CRON_OFF ? null : env.CLEANUP_CRON,
});

export function cleanupProblems(env: CleanupEnv): string[] {
  const problems = parseRetention(env.CLEANUP_RETENTION).problems.map(
    (p) => `CLEANUP_RETENTION ${p} (got ${JSON.stringify(env.CLEANUP_RETENTION)})`,
  );
  const cron = toCleanupConfig(env).cron;
  const check = cron === null ? { valid: true } : validateCronExpression(cron);
  if (!check.valid) {
    problems.push(
      `CLEANUP_CRON must be a cron expression like "17 3 * * *" or "off": ${check.error?.message ?? 'invalid'} (got ${JSON.stringify(cron)})`,
    );
  }
  return problems;
}

/**
 * `completed=7d, failed=30d` → ms per status over the defaults. Returns the defaults and the
 * problems for bad input (the caller reports them); never throws.
 */
export function parseRetention(text: string): { value: RetentionMs; problems: string[] } {
  const value: Record<FinishedStatus, number> = { ...DEFAULT_RETENTION_MS };
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const match = /^\s*([a-z]+)\s*=\s*(\d+)\s*([smhd])\s*$/.exec(part);
    if (!match) {
      problems.push(`must look like completed=7d,failed=30d,cancelled=7d (units s, m, h, d)`);
      continue;
    }
    const [, status, amount, unit] = match;
    if (!(STATUSES as readonly string[]).includes(status)) {
      problems.push(`names an unknown status "${status}" (use ${STATUSES.join(', ')})`);
      continue;
    }
    if (seen.has(status)) {
      problems.push(`names ${status} twice`);
      continue;
    }
    seen.add(status);
    const ms = Number(amount) * UNIT_MS[unit];
    if (ms < 1000 || ms > 3650 * DAY_MS) {
      problems.push(`${status} must be between 1s and 3650d`);
      continue;
    }
    value[status as FinishedStatus] = ms;
  }
  return { value, problems };
}
