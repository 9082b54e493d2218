import { SetMetadata } from '@nestjs/common';
import type { JobHandlerOptions } from './job-handler';

export const JOB_HANDLER_METADATA = Symbol('JOB_HANDLER_METADATA');

export interface JobHandlerMetadata extends JobHandlerOptions {
  type: string;
}

const TYPE_NAME = /^[a-z0-9][a-z0-9-]{0,49}$/;

/**
 * Marks a provider as the handler of a job type. `type` is the stable wire name stored in
 * jobs.job_type (never a class name, so renaming a class cannot orphan queued jobs).
 *
 *   @JobHandler('thumbnail-generation', { payload: ThumbnailPayload, concurrency: 2 })
 *   export class ThumbnailHandler implements JobHandlerInstance<ThumbnailPayload, ThumbnailResult> { … }
 */
export function JobHandler(type: string, options: JobHandlerOptions): ClassDecorator {
  if (!TYPE_NAME.test(type))
    throw new Error(`Invalid job type "${type}": use lowercase letters, digits and dashes`);
  return SetMetadata(JOB_HANDLER_METADATA, { type, ...options } satisfies JobHandlerMetadata);
}
