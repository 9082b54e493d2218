import type { JobRoute } from '@app/config';
import type { HandlerDefinition, HandlerServices } from '@app/handlers';
import type { LambdaOrchestrator } from '@app/lambda-orchestrator';
import type { JobContext, JobHandlerInstance } from '../job-handler';

/**
 * A handler definition as the JobProcessor runs it, in the worker or as a Lambda function
 * (JOB_ROUTES). Either way the JobProcessor around it applies the same timeout, retries, DLQ,
 * cancellation and fencing: a Lambda failure arrives here as the same retryable Error or
 * PermanentJobError the handler threw.
 */
export class DefinitionJobHandler<P extends object, R> implements JobHandlerInstance<P, unknown> {
  constructor(
    private readonly definition: HandlerDefinition<P, R>,
    private readonly route: JobRoute,
    private readonly orchestrator: LambdaOrchestrator,
    private readonly services: () => HandlerServices,
  ) {}

  handle(payload: P, ctx: JobContext): Promise<unknown> {
    if (this.route.target === 'lambda') {
      ctx.log('info', `running as Lambda function ${this.route.functionName}`);
      const job = {
        id: ctx.jobId,
        attempt: ctx.attempt,
        jobType: ctx.jobType,
        userId: ctx.userId,
        payload,
      };
      // The signal fires on cancellation, shutdown, timeout or take-over: stop waiting then;
      // the JobProcessor settles the attempt according to the reason.
      return this.orchestrator.runJob(this.route.functionName, job, ctx.signal);
    }
    return this.definition.run(payload, { ...ctx, services: this.services() });
  }
}

/** The api's stand-in: the api validates jobs of these types but never runs them. */
export class ValidationOnlyHandler implements JobHandlerInstance {
  constructor(private readonly type: string) {}

  handle(): Promise<never> {
    return Promise.reject(
      new Error(`job type "${this.type}" is registered for validation only here`),
    );
  }
}
