import { JobsModule } from '@app/jobs';
import { Module } from '@nestjs/common';
import { FairSharesApiService } from './fair-shares-api.service';
import { FairSharesController } from './fair-shares.controller';

/** /api/v1/admin/fair-shares: caps on each user's running jobs. */
@Module({
  imports: [JobsModule],
  controllers: [FairSharesController],
  providers: [FairSharesApiService],
})
export class FairSharesModule {}
