import type { AppConfig } from '@app/config';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryService } from '@nestjs/core';
import type { JobHandlerInstance, JobHandlerOptions } from './job-handler';
import { JOB_HANDLER_METADATA, type JobHandlerMetadata } from './job-handler.decorator';
import { validatePayload } from './payload-validation';
import { InvalidPayloadError, UnknownJobTypeError } from './processor.errors';

export interface RegisteredHandler {
  type: string;
  handler: JobHandlerInstance;
  options: JobHandlerOptions;
  /** Effective per-worker limit: WORKER_TYPE_CONCURRENCY, else the handler's own, else none. */
  concurrency: number | undefined;
}

/**
 * The one registry of job types. Filled at start-up from providers marked @JobHandler (and by
 * registerHandler), it is what the api validates new jobs against and what the worker runs.
 */
@Injectable()
export class HandlerRegistry implements OnModuleInit {
  private readonly logger = new Logger(HandlerRegistry.name);
  private readonly handlers = new Map<string, RegisteredHandler>();
  private readonly typeLimits: Readonly<Record<string, number>>;

  constructor(
    private readonly discovery: DiscoveryService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.typeLimits = config.get('worker', { infer: true })?.typeConcurrency ?? {};
  }

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const meta =
        wrapper.metatype &&
        (Reflect.getMetadata(JOB_HANDLER_METADATA, wrapper.metatype) as
          JobHandlerMetadata | undefined);
      if (meta && wrapper.instance)
        this.registerHandler(meta.type, wrapper.instance as JobHandlerInstance, meta);
    }
    this.logger.log(`job types: ${this.types().join(', ') || '(none)'}`);
  }

  registerHandler(type: string, handler: JobHandlerInstance, options: JobHandlerOptions): void {
    if (this.handlers.has(type)) throw new Error(`Two handlers for job type "${type}"`);
    this.handlers.set(type, {
      type,
      handler,
      options,
      concurrency: this.typeLimits[type] ?? options.concurrency,
    });
  }

  types(): string[] {
    return [...this.handlers.keys()].sort();
  }

  get(type: string): RegisteredHandler {
    const found = this.handlers.get(type);
    if (!found) throw new UnknownJobTypeError(type, this.types());
    return found;
  }

  /** Throws UnknownJobTypeError or InvalidPayloadError (with every bad field); returns the typed payload. */
  validate(type: string, payload: unknown): object {
    const check = validatePayload(this.get(type).options.payload, payload);
    if (!check.ok) throw new InvalidPayloadError(type, check.problems);
    return check.value;
  }
}
