export { RecoveryModule } from './recovery.module';
export { RecoverySweeper, type SweepResult } from './recovery-sweeper';
export { exponentialBackoff } from './backoff';
export { PermanentJobError, isPermanent } from './permanent-job-error';
export { decideRetry, describeError, type RetryDecision, type RetryPolicy } from './retry-decision';
