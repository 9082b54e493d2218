export { RecoveryModule } from './recovery.module';
export { RecoverySweeper, type SweepResult } from './recovery-sweeper';
export {
  ErrorRecovery,
  DLQ_LOG_PREFIX,
  ALERT_SHUTDOWN_GRACE_MS,
  type DeadLetterOutcome,
  type FailureRateCheck,
} from './error-recovery.service';
export { JobNotDeadError } from './recovery.errors';
export { exponentialBackoff } from './backoff';
export { PermanentJobError, isPermanent } from '@app/handlers';
export { decideRetry, describeError, type RetryDecision, type RetryPolicy } from './retry-decision';
export { type FailureRate } from './failure-rate';
export type { Alert, AlertEvent } from './alerts/alert';
export { AlertChannel, ALERT_CHANNELS } from './alerts/alert-channel';
export { LogAlertChannel } from './alerts/log-alert-channel';
export {
  WebhookAlertChannel,
  type WebhookAlertChannelOptions,
} from './alerts/webhook-alert-channel';
export {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signWebhook,
  verifyWebhookSignature,
} from './alerts/webhook-signature';
export { JobEventsPruner } from './job-events-pruner';
