import type { AppConfig, JobRoute } from '@app/config';
import { type AnyHandlerDefinition, JobCatalogue, type JobContext } from '@app/handlers';
import { LambdaOrchestrator } from '@app/lambda-orchestrator';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { WorkerHandlerServices } from './handler-services/worker-handler-services';

/** A job type as this worker runs it. */
export interface RegisteredHandler {
  type: string;
  /** The class the stored payload is turned into before the handler sees it. */
  payload: new () => object;
  /** Effective per-worker limit: WORKER_TYPE_CONCURRENCY, else the definition's own, else none. */
  concurrency: number | undefined;
  /** The definition's time limit in ms; undefined: WORKER_DEFAULT_TIMEOUT_MS. */
  timeoutMs: number | undefined;
  /** Where it runs: in this process, or as a Lambda function (JOB_ROUTES). */
  route: JobRoute;
  run(payload: object, ctx: JobContext): Promise<unknown>;
}

/**
 * The job types this worker runs: every definition of the app's JobCatalogue, each in-process
 * with the worker's HandlerServices, or as a Lambda function through the LambdaOrchestrator
 * when JOB_ROUTES says `type:lambda:function-name`. Either way Execution applies the same
 * timeout, retries, DLQ, cancellation and fencing: a Lambda failure arrives as the same
 * retryable Error or PermanentJobError the handler threw. Refuses to start when JOB_ROUTES
 * names a type the catalogue does not define.
 */
@Injectable()
export class HandlerRegistry implements OnModuleInit {
  private readonly logger = new Logger(HandlerRegistry.name);
  private readonly handlers = new Map<string, RegisteredHandler>();

  constructor(
    private readonly catalogue: JobCatalogue,
    private readonly orchestrator: LambdaOrchestrator,
    private readonly services: WorkerHandlerServices,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  onModuleInit(): void {
    const routes = this.config.get('lambda', { infer: true })?.routes ?? {};
    const limits = this.config.get('worker', { infer: true })?.typeConcurrency ?? {};
    const types = this.catalogue.types();
    const unknown = Object.keys(routes).filter((type) => !this.catalogue.find(type));
    if (unknown.length > 0)
      throw new Error(
        `JOB_ROUTES routes ${unknown.map((t) => `"${t}"`).join(', ')}, which no handler definition provides (defined: ${types.join(', ') || 'none'})`,
      );
    for (const definition of this.catalogue.definitions()) {
      const route = routes[definition.type] ?? { target: 'inprocess' };
      this.handlers.set(definition.type, {
        type: definition.type,
        payload: definition.payload,
        concurrency: limits[definition.type] ?? definition.concurrency,
        timeoutMs: definition.timeoutMs,
        route,
        run: (payload, ctx) => this.run(definition, route, payload, ctx),
      });
    }
    this.logger.log(`job types: ${types.join(', ') || '(none)'}`);
  }

  types(): string[] {
    return [...this.handlers.keys()].sort();
  }

  get(type: string): RegisteredHandler {
    const found = this.handlers.get(type);
    if (!found) throw new Error(`no handler for job type "${type}" in this worker`);
    return found;
  }

  private run(
    definition: AnyHandlerDefinition,
    route: JobRoute,
    payload: object,
    ctx: JobContext,
  ): Promise<unknown> {
    if (route.target === 'lambda') {
      ctx.log('info', `running as Lambda function ${route.functionName}`);
      const job = {
        id: ctx.jobId,
        attempt: ctx.attempt,
        jobType: ctx.jobType,
        userId: ctx.userId,
        payload,
      };
      // The signal fires on cancellation, shutdown, timeout or take-over: stop waiting then;
      // Execution settles the attempt according to the reason.
      return this.orchestrator.runJob(route.functionName, job, ctx.signal);
    }
    return definition.run(payload, { ...ctx, services: this.services.get() });
  }
}
