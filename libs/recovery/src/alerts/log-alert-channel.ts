import { Logger } from '@nestjs/common';
import type { Alert } from './alert';
import { AlertChannel } from './alert-channel';

/** Always on: every alert becomes one error line in the structured log. */
export class LogAlertChannel extends AlertChannel {
  readonly name = 'log';
  private readonly logger = new Logger('Alerts');

  send(alert: Alert): void {
    const subject = alert.jobId
      ? `job ${alert.jobId} (${alert.jobType ?? 'unknown type'})`
      : 'queue';
    this.logger.error(`ALERT ${alert.event}: ${subject}: ${alert.error}`);
  }
}
