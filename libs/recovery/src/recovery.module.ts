import type { AppConfig } from '@app/config';
import { JobsModule } from '@app/jobs';
import { MetricsModule } from '@app/metrics';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ALERT_CHANNELS, type AlertChannel } from './alerts/alert-channel';
import { LogAlertChannel } from './alerts/log-alert-channel';
import { WebhookAlertChannel } from './alerts/webhook-alert-channel';
import { ErrorRecovery } from './error-recovery.service';
import { JobEventsPruner } from './job-events-pruner';
import { RecoverySweeper } from './recovery-sweeper';

/**
 * Error recovery for the worker: retry policy, the dead-letter queue, alerts and the sweeper
 * that re-queues due and stalled jobs, and the pruning of old job events. Needs the `recovery`
 * and `events` config sections.
 */
@Module({
  imports: [JobsModule, QueueModule, MetricsModule],
  providers: [
    {
      provide: ALERT_CHANNELS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>): AlertChannel[] => {
        const { webhookUrl, webhookSecret } = config.get('recovery', { infer: true });
        const channels: AlertChannel[] = [new LogAlertChannel()];
        if (webhookUrl)
          channels.push(new WebhookAlertChannel({ url: webhookUrl, secret: webhookSecret ?? '' }));
        return channels;
      },
    },
    ErrorRecovery,
    RecoverySweeper,
    JobEventsPruner,
  ],
  exports: [ErrorRecovery, RecoverySweeper, JobEventsPruner],
})
export class RecoveryModule {}
