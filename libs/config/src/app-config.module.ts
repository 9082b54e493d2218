import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { AppConfig } from './load-config';

/**
 * Exposes a configuration that `loadConfig` has already validated (in main.ts, before Nest
 * starts) through @nestjs/config's ConfigService: inject `ConfigService<AppConfig, true>` and read
 * `config.get('queue', { infer: true })`. Tests pass a config object instead of mutating process.env.
 */
@Module({})
export class AppConfigModule {
  static forRoot(config: Partial<AppConfig>): DynamicModule {
    return {
      module: AppConfigModule,
      global: true,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          cache: true,
          load: [() => config],
        }),
      ],
      exports: [ConfigModule],
    };
  }
}
