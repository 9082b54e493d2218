import { JobsModule } from '@app/jobs';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { HandlerRegistry } from './handler-registry';
import { JobSubmissionService } from './job-submission.service';
import { WorkerPresence } from './worker-presence.service';

/**
 * The registry of job types and the way jobs enter the system. Both apps import it: the api to
 * validate and submit, the worker to run. Handler providers (@JobHandler) live in the app's own
 * modules and are discovered at start-up.
 */
@Module({
  imports: [DiscoveryModule, JobsModule, QueueModule],
  providers: [HandlerRegistry, JobSubmissionService, WorkerPresence],
  exports: [HandlerRegistry, JobSubmissionService, WorkerPresence],
})
export class JobTypesModule {}
