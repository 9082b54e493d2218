import { createSecretKey } from 'node:crypto';
import type { AppConfig, AuthConfig } from '@app/config';
import { Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { passportJwtSecret } from 'jwks-rsa';
import { decode, type JwtPayload } from 'jsonwebtoken';
import { ExtractJwt, Strategy, type StrategyOptionsWithoutRequest } from 'passport-jwt';
import { type AuthUser, Role } from './role';

const KNOWN_ROLES = new Set<string>(Object.values(Role));

/**
 * Bearer tokens: HS256 signed with JWT_SECRET, and/or RS256 signed by an identity provider whose
 * keys are fetched (and cached) from JWT_JWKS_URL. The key is chosen by the token's `alg`, so an
 * RS256 token is never checked against the shared secret (no algorithm confusion). `iss` and
 * `aud` are checked when configured.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly rolesClaim: string;

  constructor(config: ConfigService<AppConfig, true>) {
    const auth = config.get('auth', { infer: true });
    super(strategyOptions(auth));
    this.rolesClaim = auth.rolesClaim;
  }

  validate(payload: JwtPayload): AuthUser {
    if (typeof payload.sub !== 'string' || payload.sub.trim() === '')
      throw new UnauthorizedException('The token has no subject (sub)');
    return { id: payload.sub, roles: rolesOf(claim(payload, this.rolesClaim)) };
  }
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
    secretOrKeyProvider: (request, rawJwtToken: string, done) => {
      const header = decode(rawJwtToken, { complete: true })?.header;
      if (!header) return done(new UnauthorizedException('The token is invalid: jwt malformed'));
      if (header.alg === 'HS256' && hmacKey) return done(null, hmacKey);
      if (header.alg === 'RS256' && jwks) return jwks(request, rawJwtToken, done);
      return done(new UnauthorizedException(`Tokens signed with ${header.alg} are not accepted`));
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

/** A string (one role, or several separated by spaces or commas) or an array of strings. */
function rolesOf(value: unknown): Role[] {
  const names = (Array.isArray(value) ? value : [value])
    .filter((v): v is string => typeof v === 'string')
    .flatMap((v) => v.split(/[\s,]+/));
  const roles = new Set<Role>([Role.User]);
  for (const name of names) if (KNOWN_ROLES.has(name)) roles.add(name as Role);
  return [...roles];
}
