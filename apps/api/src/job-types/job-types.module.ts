import { JobsModule } from '@app/jobs';
import { Module } from '@nestjs/common';
import { JobTypesController } from './job-types.controller';
import { JobTypesService } from './job-types.service';

/** /api/v1/job-types: the catalogue, and pause/resume and rate limits per type. */
@Module({
  imports: [JobsModule],
  controllers: [JobTypesController],
  providers: [JobTypesService],
})
export class JobTypesModule {}
