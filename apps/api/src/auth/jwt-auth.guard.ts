import { type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { AuthUser } from './role';
import { IS_PUBLIC } from './auth.decorators';

/** Global: every route needs a valid bearer token unless it is marked @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    return isPublic ? true : super.canActivate(context);
  }

  /** Says why a token was refused (missing, expired, bad signature, wrong issuer…). */
  override handleRequest<TUser = AuthUser>(
    error: unknown,
    user: TUser | false,
    info: unknown,
  ): TUser {
    if (user) return user;
    for (const cause of [error, info]) if (cause instanceof UnauthorizedException) throw cause;
    throw new UnauthorizedException(reason(info ?? error));
  }
}

function reason(info: unknown): string {
  if (!(info instanceof Error)) return 'A bearer token is required';
  switch (info.name) {
    case 'TokenExpiredError':
      return 'The token has expired';
    case 'NotBeforeError':
      return 'The token is not valid yet';
    case 'JsonWebTokenError':
      return `The token is invalid: ${info.message}`;
    default:
      return info.message === 'No auth token'
        ? 'A bearer token is required'
        : 'The token is invalid';
  }
}
