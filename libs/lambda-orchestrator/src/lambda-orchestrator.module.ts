import type { AppConfig } from '@app/config';
import { JobsModule } from '@app/jobs';
import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AwsLambdaInvoker } from './aws-lambda.invoker';
import { FunctionInvoker } from './function-invoker';
import { LambdaOrchestrator } from './lambda-orchestrator.service';

/**
 * LambdaOrchestrator and its FunctionInvoker. By default the invoker is AwsLambdaInvoker, set up
 * from the `lambda` config section (LAMBDA_ENDPOINT, LAMBDA_REGION, LAMBDA_TIMEOUT_MS); pass
 * another (an InProcessInvoker) to run the functions in this process.
 */
@Module({})
export class LambdaOrchestratorModule {
  static register(options: { invoker?: FunctionInvoker } = {}): DynamicModule {
    return {
      module: LambdaOrchestratorModule,
      imports: [JobsModule],
      providers: [
        options.invoker
          ? { provide: FunctionInvoker, useValue: options.invoker }
          : {
              provide: FunctionInvoker,
              inject: [ConfigService],
              useFactory: (config: ConfigService<AppConfig, true>) =>
                new AwsLambdaInvoker(config.get('lambda', { infer: true })),
            },
        LambdaOrchestrator,
      ],
      exports: [LambdaOrchestrator, FunctionInvoker],
    };
  }
}
