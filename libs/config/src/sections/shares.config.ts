import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { parseInteger } from '../env-validation';

export class SharesEnv {
  /**
   * Fair shares: the most jobs one user may have running at once, all types and workers
   * together; 0 (default): no cap. An admin can set another cap per user, and one per job type
   * (/api/v1/admin/fair-shares). Every worker must have the same value.
   */
  @Transform(parseInteger)
  @Min(0)
  @Max(1_000_000)
  @IsInt()
  FAIR_SHARE_MAX_RUNNING = 0;
}

export interface SharesConfig {
  /** null: no cap unless an admin set one. */
  maxRunningPerUser: number | null;
}

export const toSharesConfig = (env: SharesEnv): SharesConfig => ({
  maxRunningPerUser: env.FAIR_SHARE_MAX_RUNNING || null,
});
