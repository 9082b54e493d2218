import type { AppConfig } from '@app/config';
import type { HandlerDefinition } from '@app/handlers';
import { JobsModule } from '@app/jobs';
import { LambdaOrchestrator, LambdaOrchestratorModule } from '@app/lambda-orchestrator';
import { QueueModule } from '@app/queue';
import { type DynamicModule, Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HandlerRegistry } from '../handler-registry';
import { JobTypesModule } from '../job-types.module';
import { DefinitionJobHandler, ValidationOnlyHandler } from './definition-job-handler';
import { JobSinkAdapter } from './job-sink.adapter';
import { WorkerHandlerServices } from './worker-handler-services';

/**
 * Handler definitions from '@app/handlers' (or tests) as job types. Heterogeneous by nature:
 * each has its own payload and result type.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyHandlerDefinition = HandlerDefinition<any, unknown>;

const DEFINITIONS = Symbol('HANDLER_DEFINITIONS');

/** Registers the definitions in the HandlerRegistry, each routed per JOB_ROUTES. */
@Injectable()
class RunnableDefinitions implements OnModuleInit {
  constructor(
    @Inject(DEFINITIONS) private readonly definitions: readonly AnyHandlerDefinition[],
    private readonly registry: HandlerRegistry,
    private readonly orchestrator: LambdaOrchestrator,
    private readonly services: WorkerHandlerServices,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  onModuleInit(): void {
    const routes = this.config.get('lambda', { infer: true })?.routes ?? {};
    const types = new Set(this.definitions.map((d) => d.type));
    const unknown = Object.keys(routes).filter((type) => !types.has(type));
    if (unknown.length > 0)
      throw new Error(
        `JOB_ROUTES routes ${unknown.map((t) => `"${t}"`).join(', ')}, which no handler definition provides (defined: ${[...types].sort().join(', ') || 'none'})`,
      );
    for (const definition of this.definitions) {
      const route = routes[definition.type] ?? { target: 'inprocess' };
      this.registry.registerHandler(
        definition.type,
        new DefinitionJobHandler(definition, route, this.orchestrator, () => this.services.get()),
        options(definition),
      );
    }
  }
}

/** Registers the definitions for validation only (the api submits jobs, never runs them). */
@Injectable()
class ValidatedDefinitions implements OnModuleInit {
  constructor(
    @Inject(DEFINITIONS) private readonly definitions: readonly AnyHandlerDefinition[],
    private readonly registry: HandlerRegistry,
  ) {}

  onModuleInit(): void {
    for (const definition of this.definitions)
      this.registry.registerHandler(
        definition.type,
        new ValidationOnlyHandler(definition.type),
        options(definition),
      );
  }
}

function options(definition: AnyHandlerDefinition) {
  return {
    payload: definition.payload,
    timeoutMs: definition.timeoutMs,
    concurrency: definition.concurrency,
  };
}

/**
 * The bridge between the Nest-free handlers library and the worker: each HandlerDefinition
 * becomes a job type of the HandlerRegistry. In the worker (`register`) a type runs in-process
 * with services built from config, or as a Lambda function through the LambdaOrchestrator when
 * JOB_ROUTES says `type:lambda:function-name`. In the api (`registerTypes`) the types are only
 * validated. Moving a type to Lambda changes nothing here: one JOB_ROUTES entry.
 */
@Module({})
export class HandlerBridgeModule {
  static register(
    definitions: readonly AnyHandlerDefinition[],
    options: { lambda?: Parameters<typeof LambdaOrchestratorModule.register>[0] } = {},
  ): DynamicModule {
    return {
      module: HandlerBridgeModule,
      imports: [
        JobsModule,
        QueueModule,
        JobTypesModule,
        LambdaOrchestratorModule.register(options.lambda),
      ],
      providers: [
        { provide: DEFINITIONS, useValue: definitions },
        JobSinkAdapter,
        WorkerHandlerServices,
        RunnableDefinitions,
      ],
    };
  }

  static registerTypes(definitions: readonly AnyHandlerDefinition[]): DynamicModule {
    return {
      module: HandlerBridgeModule,
      imports: [JobTypesModule],
      providers: [{ provide: DEFINITIONS, useValue: definitions }, ValidatedDefinitions],
    };
  }
}
