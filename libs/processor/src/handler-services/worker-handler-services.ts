import type { S3Client } from '@aws-sdk/client-s3';
import type { AppConfig } from '@app/config';
import { createS3Client, handlerSettings, type HandlerServices } from '@app/handlers';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { EntityManagerSqlClient } from './entity-manager-sql-client';
import { JobSinkAdapter } from './job-sink.adapter';

/**
 * What the worker lends handlers that run in-process: S3 from the `storage` section, SQL over
 * the worker's pool, a JobSink over the registry and the outbox, and settings from `storage` and
 * `cleanup`. Built on first use, so an app that never runs a handler needs none of it.
 */
@Injectable()
export class WorkerHandlerServices implements OnApplicationShutdown {
  private services?: HandlerServices;
  private s3?: S3Client;

  constructor(
    private readonly config: ConfigService<AppConfig, true>,
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly jobSink: JobSinkAdapter,
  ) {}

  get(): HandlerServices {
    if (this.services) return this.services;
    const storage = this.config.get('storage', { infer: true });
    const cleanup = this.config.get('cleanup', { infer: true });
    const imports = this.config.get('imports', { infer: true });
    if (!storage || !cleanup || !imports)
      throw new Error(
        'running handlers in the worker needs the storage, cleanup and imports config sections',
      );
    this.s3 = createS3Client(storage);
    this.services = {
      s3: this.s3,
      sql: new EntityManagerSqlClient(this.manager),
      jobs: this.jobSink,
      settings: handlerSettings(storage, cleanup, imports),
    };
    return this.services;
  }

  onApplicationShutdown(): void {
    this.s3?.destroy();
  }
}
