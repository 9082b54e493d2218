import { type AppConfig, AppConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { BuiltinHandlersModule, JobTypesModule } from '@app/processor';
import { type DynamicModule, Module } from '@nestjs/common';

/** The api's submission path without HTTP: what POST /jobs runs after validation. */
@Module({})
export class SubmitOnlyModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: SubmitOnlyModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule,
        JobTypesModule,
        BuiltinHandlersModule,
      ],
    };
  }
}
