import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import type { AppConfig } from '@app/config';
import { Injectable, NotImplementedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { sign, verify } from 'jsonwebtoken';
import { type AuthUser, rolesOf } from './role';

/** A stream token opens event streams and nothing else: no other route accepts this audience. */
const AUDIENCE = 'jobqueue:event-streams';
const ISSUER = 'jobqueue-api';
/** Long enough for EventSource's automatic reconnects, short enough to be worthless if leaked. */
export const STREAM_TOKEN_TTL_SECONDS = 300;

export interface StreamToken {
  token: string;
  expiresAt: Date;
}

/**
 * Short-lived, single-purpose tokens for clients that cannot send an Authorization header
 * (a browser's EventSource): passed as `?access_token=`, accepted by the event-stream routes
 * only. HS256 under EVENTS_TOKEN_SECRET, else under a key derived from JWT_SECRET (never
 * JWT_SECRET itself, so a stream token is never a valid bearer token).
 */
@Injectable()
export class StreamTokens {
  private readonly key: KeyObject | null;

  constructor(config: ConfigService<AppConfig, true>) {
    const secret =
      config.get('events', { infer: true }).tokenSecret ??
      config.get('auth', { infer: true }).secret;
    this.key = secret
      ? createSecretKey(Buffer.from(hkdfSync('sha256', secret, ISSUER, AUDIENCE, 32)))
      : null;
  }

  mint(user: AuthUser): StreamToken {
    const key = this.requireKey();
    const expiresAt = new Date((Math.floor(Date.now() / 1000) + STREAM_TOKEN_TTL_SECONDS) * 1000);
    const token = sign({ roles: user.roles }, key, {
      algorithm: 'HS256',
      subject: user.id,
      audience: AUDIENCE,
      issuer: ISSUER,
      expiresIn: STREAM_TOKEN_TTL_SECONDS,
    });
    return { token, expiresAt };
  }

  /** The caller a stream token names, or null when it is not one of ours or has expired. */
  verify(token: string): AuthUser | null {
    if (!this.key) return null;
    try {
      const claims = verify(token, this.key, {
        algorithms: ['HS256'],
        audience: AUDIENCE,
        issuer: ISSUER,
      });
      if (typeof claims === 'string' || typeof claims.sub !== 'string') return null;
      return { id: claims.sub, roles: rolesOf(claims.roles) };
    } catch {
      return null;
    }
  }

  private requireKey(): KeyObject {
    if (!this.key)
      throw new NotImplementedException(
        'Stream tokens need EVENTS_TOKEN_SECRET (or JWT_SECRET) on the api; send the bearer token in the Authorization header instead',
      );
    return this.key;
  }
}
