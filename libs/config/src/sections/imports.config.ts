import { Transform } from 'class-transformer';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { parseInteger } from '../env-validation';

/** Job types an import may never create: one import must not start others (or clean-ups). */
const NEVER_CHILDREN = ['bulk-import', 'cleanup-jobs'];

/** What one `bulk-import` job may create. */
export class ImportsEnv {
  /**
   * Job types a manifest's lines may have, comma-separated; other lines are refused, saying why.
   * `bulk-import` and `cleanup-jobs` are never allowed. Default `echo,thumbnail-generation,export`.
   */
  @IsString()
  BULK_IMPORT_CHILD_TYPES = 'echo,thumbnail-generation,export';

  /**
   * Children one import creates at most (1-1000000; default 10000). The line over the limit is
   * refused with that reason and the rest of the manifest is not read.
   */
  @Transform(parseInteger)
  @Min(1)
  @Max(1_000_000)
  @IsInt()
  BULK_IMPORT_MAX_CHILDREN = 10_000;
}

export interface ImportsConfig {
  childTypes: string[];
  maxChildren: number;
}

const typesOf = (env: ImportsEnv): string[] =>
  env.BULK_IMPORT_CHILD_TYPES.split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');

export const toImportsConfig = (env: ImportsEnv): ImportsConfig => ({
  childTypes: typesOf(env),
  maxChildren: env.BULK_IMPORT_MAX_CHILDREN,
});

export function importsProblems(env: ImportsEnv): string[] {
  const types = typesOf(env);
  const problems: string[] = [];
  const forbidden = types.filter((t) => NEVER_CHILDREN.includes(t));
  if (forbidden.length > 0)
    problems.push(
      `BULK_IMPORT_CHILD_TYPES must not list ${forbidden.join(', ')}: an import may not create imports or clean-ups`,
    );
  const malformed = types.filter((t) => !/^[a-z0-9][a-z0-9-]{0,49}$/.test(t));
  if (malformed.length > 0)
    problems.push(
      `BULK_IMPORT_CHILD_TYPES must be job type names, comma-separated (got ${JSON.stringify(malformed.join(','))})`,
    );
  return problems;
}
