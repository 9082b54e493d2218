import { JobsModule } from '@app/jobs';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { RecoverySweeper } from './recovery-sweeper';

/** Error recovery for the worker: retry scheduling and the sweeper that re-queues due and stalled jobs. */
@Module({
  imports: [JobsModule, QueueModule],
  providers: [RecoverySweeper],
  exports: [RecoverySweeper],
})
export class RecoveryModule {}
