import { JobCatalogue } from '@app/handlers';
import { type DynamicModule, Module } from '@nestjs/common';

/**
 * The app's JobCatalogue as a provider. Global, like the config: each app declares its job types
 * once, at its root (JOB_CATALOGUE, plus a test's own), and the api's validation, the worker's
 * HandlerRegistry and JobSubmissionService all read that one catalogue.
 */
@Module({})
export class JobCatalogueModule {
  static forRoot(catalogue: JobCatalogue): DynamicModule {
    return {
      module: JobCatalogueModule,
      global: true,
      providers: [{ provide: JobCatalogue, useValue: catalogue }],
      exports: [JobCatalogue],
    };
  }
}
