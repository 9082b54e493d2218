import { IsOptional, IsString, IsUrl, MinLength, ValidateIf } from 'class-validator';

export class AuthEnv {
  /** HS256 signing secret (at least 32 characters). Set this or JWT_JWKS_URL. */
  @ValidateIf((env: AuthEnv) => env.JWT_JWKS_URL === undefined || env.JWT_SECRET !== undefined)
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters long' })
  @IsString({ message: 'JWT_SECRET or JWT_JWKS_URL must be set' })
  JWT_SECRET?: string;

  /** JWKS endpoint of an identity provider, for RS256 tokens. */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  JWT_JWKS_URL?: string;

  /** Expected `iss` claim; not checked when unset. */
  @IsOptional()
  @IsString()
  JWT_ISSUER?: string;

  /** Expected `aud` claim; not checked when unset. */
  @IsOptional()
  @IsString()
  JWT_AUDIENCE?: string;

  /** Claim that holds the caller's roles (a string or an array of strings). */
  @MinLength(1)
  @IsString()
  JWT_ROLES_CLAIM = 'roles';
}

export interface AuthConfig {
  secret: string | undefined;
  jwksUrl: string | undefined;
  issuer: string | undefined;
  audience: string | undefined;
  rolesClaim: string;
}

export const toAuthConfig = (env: AuthEnv): AuthConfig => ({
  secret: env.JWT_SECRET,
  jwksUrl: env.JWT_JWKS_URL,
  issuer: env.JWT_ISSUER,
  audience: env.JWT_AUDIENCE,
  rolesClaim: env.JWT_ROLES_CLAIM,
});
