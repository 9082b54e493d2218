/**
 * What a standalone scenario (burst.ts, events.ts) runs against: a fresh, empty database of its
 * own, a queue pair, and the compiled api (which migrates the database at boot, as a deploy does)
 * and worker as processes whose CPU is tracked; close() stops them and drops the database.
 */
import type { DataSource } from 'typeorm';
import { createQueuePair, type QueuePairOptions } from '../../tools/dev-services/sqs-emulator';
import {
  dropDatabase,
  emptyDatabase,
  openDataSource,
  services,
  serviceEnv,
  type Target,
  uniqueName,
} from './bench-env';
import { BenchApi } from './bench-api';
import type { ServiceProcess } from './child-process';
import { type CpuTracking, startWorker } from './jobqueue-system';

export class Standalone {
  private api: BenchApi | undefined;
  private worker: ServiceProcess | undefined;
  private db: DataSource | undefined;

  private constructor(
    private readonly adminUrl: string,
    private readonly database: string,
    readonly target: Target,
    private readonly cpu: CpuTracking,
  ) {}

  /** `database`: a jq_bench_* name; `queue`: the queue pair's name prefix. */
  static async create(
    database: string,
    queue: string,
    cpu: CpuTracking,
    queueOptions: QueuePairOptions = {},
  ): Promise<Standalone> {
    const svc = services();
    const dbUrl = await emptyDatabase(svc.adminUrl, database);
    const queues = await createQueuePair(svc.endpoint, uniqueName(queue), queueOptions);
    return new Standalone(
      svc.adminUrl,
      database,
      { dbUrl, endpoint: svc.endpoint, ...queues },
      cpu,
    );
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return serviceEnv(this.target, extra);
  }

  /** The api (it migrates the database), then a pool of 2 connections to the database. */
  async startApi(
    extra: Record<string, string>,
    connections: number,
  ): Promise<{ api: BenchApi; db: DataSource }> {
    this.api = await BenchApi.start(
      this.env({ DATABASE_RUN_MIGRATIONS: 'true', ...extra }),
      connections,
    );
    this.cpu.trackProcess('api', this.api.process.pid);
    this.db = await openDataSource(this.target.dbUrl, 2);
    return { api: this.api, db: this.db };
  }

  async startWorker(extra: Record<string, string> = {}): Promise<ServiceProcess> {
    this.worker = (await startWorker(this.env(extra))).process;
    this.cpu.trackProcess('worker', this.worker.pid);
    return this.worker;
  }

  async close(): Promise<void> {
    await this.worker?.stop(2000);
    await this.api?.stop();
    await this.db?.destroy();
    await dropDatabase(this.adminUrl, this.database).catch(() => undefined);
  }
}
