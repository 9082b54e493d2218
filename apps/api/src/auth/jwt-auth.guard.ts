import { type ExecutionContext, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { RequestValidationError } from '../errors/request-validation.error';
import type { AuthUser } from './role';
import { IS_PUBLIC, STREAM_TOKEN_ACCEPTED } from './auth.decorators';
import { StreamTokens } from './stream-tokens';

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

  constructor(
    private readonly reflector: Reflector,
    private readonly streamTokens: StreamTokens,
  ) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<StreamRequest>();
    const token = request.query?.access_token;
    if (
      typeof token === 'string' &&
      !request.headers.authorization &&
      this.reflector.getAllAndOverride<boolean>(STREAM_TOKEN_ACCEPTED, targets)
    ) {
      const user = this.streamTokens.verify(token);
      if (!user) throw new UnauthorizedException('The stream token is invalid or expired');
      request.user = user;
      return true;
    }
    return super.canActivate(context);
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

interface StreamRequest {
  query?: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  user?: AuthUser;
}

function reason(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return typeof cause === 'string' ? cause : 'no reason given';
}
