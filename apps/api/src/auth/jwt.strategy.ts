import { createSecretKey } from 'node:crypto';
import type { AppConfig, AuthConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { passportJwtSecret } from 'jwks-rsa';
import { decode, type JwtPayload } from 'jsonwebtoken';
import { ExtractJwt, Strategy, type StrategyOptionsWithoutRequest } from 'passport-jwt';
import { RequestValidationError } from '../errors/request-validation.error';
import { type AuthUser, rolesOf } from './role';

/**
 * Bearer tokens: HS256 signed with JWT_SECRET, and/or RS256 signed by an identity provider whose
 * keys are fetched (and cached) from JWT_JWKS_URL. The key is chosen by the token's `alg`, so an
 * RS256 token is never checked against the shared secret (no algorithm confusion). `iss` and
 * `aud` are checked when configured (always with JWKS). Every token needs `exp` and `iat` and
 * lives at most JWT_MAX_AGE_SECONDS, give or take JWT_CLOCK_TOLERANCE_SECONDS.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly rolesClaim: string;
  private readonly maxAgeSeconds: number;
  private readonly toleranceSeconds: number;

  constructor(config: ConfigService<AppConfig, true>) {
    const auth = config.get('auth', { infer: true });
    super(strategyOptions(auth));
    this.rolesClaim = auth.rolesClaim;
    this.maxAgeSeconds = auth.maxAgeSeconds;
    this.toleranceSeconds = auth.clockToleranceSeconds;
  }

  /** Runs after the signature, `exp`, `nbf`, `iat` age, `iss` and `aud` checks passed. */
  validate(payload: JwtPayload): AuthUser {
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.exp !== 'number') throw new TokenRefusedError('the token has no exp');
    // jsonwebtoken's maxAge counts from iat; a token dated in the future would outlive it
    if (payload.exp > now + this.maxAgeSeconds + this.toleranceSeconds)
      throw new TokenRefusedError('the token expires later than JWT_MAX_AGE_SECONDS from now');
    if (typeof payload.iat === 'number' && payload.iat > now + this.toleranceSeconds)
      throw new TokenRefusedError('the token was issued in the future (iat)');
    if (typeof payload.sub !== 'string' || payload.sub.trim() === '')
      throw new TokenRefusedError('the token has no subject (sub)');
    const problem = subjectProblem(payload.sub);
    if (problem) throw new RequestValidationError([{ field: 'sub', message: problem }]);
    return { id: payload.sub, roles: rolesOf(claim(payload, this.rolesClaim)) };
  }
}

/** A token the strategy refused; `message` goes to the log, never to the client. */
export class TokenRefusedError extends Error {
  override readonly name = 'TokenRefusedError';
}

/** Longest `sub`: jobs.user_id is varchar(255). */
export const MAX_SUBJECT_LENGTH = 255;

/**
 * Why a verified `sub` cannot be a user id, or null. PostgreSQL cannot store NUL, and a lone
 * surrogate would be stored as U+FFFD, so two different subjects would share one user's jobs.
 */
function subjectProblem(sub: string): string | null {
  if (sub.length > MAX_SUBJECT_LENGTH)
    return `the token's sub must be at most ${MAX_SUBJECT_LENGTH} characters (got ${sub.length})`;
  for (let i = 0; i < sub.length; i++) {
    const code = sub.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return "the token's sub must not contain control characters";
  }
  if (!sub.isWellFormed()) return "the token's sub must not contain lone surrogates";
  return null;
}

function strategyOptions(auth: AuthConfig): StrategyOptionsWithoutRequest {
  const jwks = auth.jwksUrl
    ? passportJwtSecret({
        jwksUri: auth.jwksUrl,
        cache: true,
        rateLimit: true,
        jwksRequestsPerMinute: 10,
      })
    : undefined;
  // A KeyObject, not the string: jsonwebtoken would otherwise try (and fail) to parse the
  // secret as a public key on every request, about 1 ms of CPU each. jsonwebtoken 9 takes a
  // KeyObject; passport-jwt's types still say string | Buffer.
  const hmacKey = auth.secret
    ? (createSecretKey(Buffer.from(auth.secret)) as unknown as Buffer)
    : undefined;
  const algorithms: ('HS256' | 'RS256')[] = [
    ...(auth.secret ? (['HS256'] as const) : []),
    ...(jwks ? (['RS256'] as const) : []),
  ];
  return {
    jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
    algorithms,
    ...(auth.issuer ? { issuer: auth.issuer } : {}),
    ...(auth.audience ? { audience: auth.audience } : {}),
    jsonWebTokenOptions: {
      maxAge: auth.maxAgeSeconds,
      clockTolerance: auth.clockToleranceSeconds,
    },
    secretOrKeyProvider: (request, rawJwtToken: string, done) => {
      const header = decode(rawJwtToken, { complete: true })?.header;
      if (!header) return done(new TokenRefusedError('jwt malformed'));
      if (header.alg === 'HS256' && hmacKey) return done(null, hmacKey);
      if (header.alg === 'RS256' && jwks) return jwks(request, rawJwtToken, done);
      return done(new TokenRefusedError(`tokens signed with ${header.alg} are not accepted`));
    },
  };
}

/** The claim by its exact name (namespaced claims contain dots), else by a dotted path. */
function claim(payload: JwtPayload, name: string): unknown {
  if (name in payload) return payload[name];
  return name
    .split('.')
    .reduce<unknown>(
      (value, key) =>
        value !== null && typeof value === 'object'
          ? (value as Record<string, unknown>)[key]
          : undefined,
      payload,
    );
}
