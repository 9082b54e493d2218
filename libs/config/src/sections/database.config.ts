import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsUrl, Max, Min } from 'class-validator';
import { parseBoolean, parseInteger } from '../env-validation';

export class DatabaseEnv {
  /** PostgreSQL connection string, e.g. postgres://user:pass@host:5432/db */
  @IsUrl({ protocols: ['postgres', 'postgresql'], require_tld: false, require_protocol: true })
  DATABASE_URL!: string;

  /** Run pending migrations when an app starts. Turn off when a deploy step runs them. */
  @Transform(parseBoolean)
  @IsBoolean()
  DATABASE_RUN_MIGRATIONS = true;

  /** Connections per process. The worker holds one per in-flight batch plus the sweepers. */
  @Transform(parseInteger)
  @Min(1)
  @Max(200)
  @IsInt()
  DATABASE_POOL_SIZE = 10;
}

export interface DatabaseConfig {
  url: string;
  runMigrations: boolean;
  poolSize: number;
}

export const toDatabaseConfig = (env: DatabaseEnv): DatabaseConfig => ({
  url: env.DATABASE_URL,
  runMigrations: env.DATABASE_RUN_MIGRATIONS,
  poolSize: env.DATABASE_POOL_SIZE,
});
