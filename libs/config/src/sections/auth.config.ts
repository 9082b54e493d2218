import { Transform } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { parseInteger } from '../env-validation';

export class AuthEnv {
  /** HS256 signing secret (at least 32 characters, no placeholder). Set this or JWT_JWKS_URL. */
  @ValidateIf((env: AuthEnv) => env.JWT_JWKS_URL === undefined || env.JWT_SECRET !== undefined)
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters long' })
  @IsString({ message: 'JWT_SECRET or JWT_JWKS_URL must be set' })
  JWT_SECRET?: string;

  /** JWKS endpoint of an identity provider, for RS256 tokens: https (plain http on loopback only). */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  JWT_JWKS_URL?: string;

  /** Expected `iss` claim; required with JWT_JWKS_URL, checked whenever set. */
  @IsOptional()
  @IsString()
  JWT_ISSUER?: string;

  /** Expected `aud` claim; required with JWT_JWKS_URL, checked whenever set. */
  @IsOptional()
  @IsString()
  JWT_AUDIENCE?: string;

  /** Claim that holds the caller's roles (a string or an array of strings). */
  @MinLength(1)
  @IsString()
  JWT_ROLES_CLAIM = 'roles';

  /**
   * Longest a token may live, in seconds: it needs `exp` and `iat`, is refused once `iat` is
   * older than this, and may not expire later than this from now.
   */
  @Transform(parseInteger)
  @Min(60)
  @Max(2_592_000)
  @IsInt()
  JWT_MAX_AGE_SECONDS = 86_400;

  /** Clock skew allowed between the identity provider and the api for exp, nbf and iat, in seconds. */
  @Transform(parseInteger)
  @Min(0)
  @Max(300)
  @IsInt()
  JWT_CLOCK_TOLERANCE_SECONDS = 30;
}

export interface AuthConfig {
  secret: string | undefined;
  jwksUrl: string | undefined;
  issuer: string | undefined;
  audience: string | undefined;
  rolesClaim: string;
  maxAgeSeconds: number;
  clockToleranceSeconds: number;
}

export const toAuthConfig = (env: AuthEnv): AuthConfig => ({
  secret: env.JWT_SECRET,
  jwksUrl: env.JWT_JWKS_URL,
  issuer: env.JWT_ISSUER,
  audience: env.JWT_AUDIENCE,
  rolesClaim: env.JWT_ROLES_CLAIM,
  maxAgeSeconds: env.JWT_MAX_AGE_SECONDS,
  clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE_SECONDS,
});

/** What makes a configured set of identity checks unsafe; each line names its variable. */
export function authProblems(env: AuthEnv): string[] {
  const problems: string[] = [];
  const weak = env.JWT_SECRET === undefined ? null : jwtSecretProblem(env.JWT_SECRET);
  if (weak) problems.push(weak);
  if (env.JWT_JWKS_URL !== undefined) {
    if (!isHttpsOrLoopback(env.JWT_JWKS_URL))
      problems.push(
        'JWT_JWKS_URL must use https (plain http is allowed for 127.0.0.1, ::1 and localhost only)',
      );
    // without them, any token the identity provider signed for any of its clients would do
    if (env.JWT_ISSUER === undefined)
      problems.push('JWT_ISSUER must be set when JWT_JWKS_URL is set');
    if (env.JWT_AUDIENCE === undefined)
      problems.push('JWT_AUDIENCE must be set when JWT_JWKS_URL is set');
  }
  return problems;
}

/** Words of the placeholders this project's examples ship, and of the usual ones. */
const PLACEHOLDER =
  /change[-_ ]?me|placeholder|not[-_ ]for[-_ ]production|example|your[-_ ]secret/i;
const MIN_DISTINCT_CHARACTERS = 8;

/**
 * Why an HS256 secret cannot be trusted, or null. Anyone holding it mints admin tokens, so a
 * placeholder copied from `.env.example` or docker-compose, or a string of a few repeated
 * characters, stops the api at start-up. Generate one with `openssl rand -base64 48`.
 */
export function jwtSecretProblem(secret: string): string | null {
  if (secret.length < 32) return 'JWT_SECRET must be at least 32 characters long';
  if (PLACEHOLDER.test(secret))
    return 'JWT_SECRET is a placeholder: change it to a random secret (openssl rand -base64 48)';
  if (new Set(secret).size < MIN_DISTINCT_CHARACTERS)
    return `JWT_SECRET is too weak: fewer than ${MIN_DISTINCT_CHARACTERS} different characters (openssl rand -base64 48)`;
  return null;
}

function isHttpsOrLoopback(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'https:') return true;
  return protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(hostname);
}
