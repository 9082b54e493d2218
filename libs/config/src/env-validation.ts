import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { ConfigError } from './config.error';

export type Env = Readonly<Record<string, string | undefined>>;

/** `true`/`false` (also 1/0, yes/no, on/off); anything else is kept so @IsBoolean reports it. */
export function parseBoolean({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
}

/** Integers only: `Number('1e3')` or `Number('12abc')` must not sneak through as numbers. */
export function parseInteger({ value }: { value: unknown }): unknown {
  return typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
}

/**
 * Validates the variables one section declares and returns the typed instance, or the list of
 * problems. Blank variables count as unset so that `FOO=` in a .env file falls back to the default.
 */
export function validateSection<T extends object>(
  section: ClassConstructor<T>,
  env: Env,
): { value: T; problems: string[] } {
  const plain: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') plain[key] = value.trim();
  }
  const value = plainToInstance(section, plain, { excludeExtraneousValues: false });
  // One message per variable. Decorators run bottom-up, so each section puts its type check
  // (@IsInt, @IsString, ...) nearest the property: a wrong type is reported before a range.
  const errors = validateSync(value, { forbidUnknownValues: true, stopAtFirstError: true });
  return { value, problems: errors.flatMap((e) => describe(e, plain)) };
}

function describe(error: ValidationError, plain: Record<string, string>): string[] {
  const got = plain[error.property];
  const suffix =
    got === undefined
      ? ' (it is not set)'
      : ` (got ${JSON.stringify(redact(error.property, got))})`;
  return Object.values(error.constraints ?? {}).map((message) => `${message}${suffix}`);
}

function redact(name: string, value: string): string {
  return /SECRET|PASSWORD|TOKEN|KEY/.test(name) ? '<redacted>' : value;
}

export function throwIfProblems(problems: readonly string[]): void {
  if (problems.length > 0) throw new ConfigError(problems);
}
