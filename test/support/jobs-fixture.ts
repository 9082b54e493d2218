import { AppConfigModule } from '@app/config';
import { JobsModule, JobsService } from '@app/jobs';
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createTestDatabase, type TestDatabase } from './test-database';
import { testConfig } from './test-config';
import { dataSourceOptions } from '@app/database';

export interface JobsFixture {
  db: TestDatabase;
  module: TestingModule;
  jobs: JobsService;
  close(): Promise<void>;
}

/** JobsModule wired as the apps wire it, on a fresh database. */
export async function createJobsFixture(
  overrides: Parameters<typeof testConfig>[1] = {},
): Promise<JobsFixture> {
  const db = await createTestDatabase();
  const config = testConfig(db.url, overrides);
  const module = await Test.createTestingModule({
    imports: [
      AppConfigModule.forRoot(config),
      TypeOrmModule.forRoot({ ...dataSourceOptions(config.database), logging: false }),
      JobsModule,
    ],
  }).compile();
  await module.init();
  return {
    db,
    module,
    jobs: module.get(JobsService),
    close: async () => {
      await module.close();
      await db.drop();
    },
  };
}
