import { type ExecutionContext, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { RequestValidationError } from '../errors/request-validation.error';
import type { AuthUser } from './role';
import { IS_PUBLIC } from './auth.decorators';

/** passport-jwt's reason when the request carries no bearer token at all. */
const NO_TOKEN = 'No auth token';

/**
 * Global: every route needs a valid bearer token unless it is marked @Public(). A refused token
 * gets one fixed answer; why it was refused (expired, bad signature, wrong issuer or audience,
 * too old…) goes to the log only, so the answer teaches a caller nothing about what we expect.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  private readonly logger = new Logger('Auth');

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

  override handleRequest<TUser = AuthUser>(
    error: unknown,
    user: TUser | false,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    if (user) return user;
    // a verified token whose subject cannot be a user id: 400 naming `sub`
    if (error instanceof RequestValidationError) throw error;
    const cause = error ?? info;
    if (cause instanceof Error && cause.message === NO_TOKEN)
      throw new UnauthorizedException('A bearer token is required');
    const { method, url } = context.switchToHttp().getRequest<{ method: string; url: string }>();
    this.logger.warn(`token refused on ${method} ${url.split('?')[0]}: ${reason(cause)}`);
    throw new UnauthorizedException('The bearer token is invalid or expired');
  }
}

function reason(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return typeof cause === 'string' ? cause : 'no reason given';
}
