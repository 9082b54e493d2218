import { Transform } from 'class-transformer';
import { IsBoolean, IsNumber, IsOptional, Max, Min, ValidateNested } from 'class-validator';

/** Retention overrides for one run, in days (fractions allowed; 0 takes every finished job). */
export class RetentionDays {
  @IsOptional()
  @Max(3650)
  @Min(0)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  completed?: number;

  @IsOptional()
  @Max(3650)
  @Min(0)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  failed?: number;

  @IsOptional()
  @Max(3650)
  @Min(0)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  cancelled?: number;
}

export class CleanupPayload {
  /** Count what would be deleted, delete nothing. Default false. */
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  /**
   * Clean every user's jobs (and orphaned metrics), not only the submitter's. Only an admin may
   * submit it (HandlerDefinition.adminOnly); the worker's schedule sets it. Default false.
   */
  @IsOptional()
  @IsBoolean()
  allUsers?: boolean;

  /** Per-status retention for this run; a status left out keeps CLEANUP_RETENTION's. */
  @IsOptional()
  @ValidateNested()
  @Transform(({ value }) => toRetentionDays(value))
  olderThanDays?: RetentionDays;
}

/**
 * `@Type(() => RetentionDays)` would need reflect-metadata loaded before this file; importing
 * the handlers library must not depend on that, so the nested object is typed by hand.
 */
function toRetentionDays(value: unknown): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.assign(new RetentionDays(), value)
    : value;
}

export type FinishedStatus = 'completed' | 'failed' | 'cancelled';

export interface CleanupResult {
  /** Jobs deleted (or, in a dry run, that would be), per status. */
  deleted: Record<FinishedStatus, number>;
  /** job_metrics rows deleted: those of the deleted jobs, and orphans past the longest retention. */
  metricsDeleted: number;
  /** Delete statements (short transactions) that removed rows; in a dry run, how many it would take. */
  batches: number;
  dryRun: boolean;
}
