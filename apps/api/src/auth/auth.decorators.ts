import {
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../errors/error-response.dto';
import { type AuthUser, Role } from './role';

export const IS_PUBLIC = 'auth:public';
export const ROLES = 'auth:roles';
export const RATE_LIMIT_COST = 'auth:rate-limit-cost';

/** What a request counts against the caller's rate limit, from its (not yet validated) body. */
export type RateLimitCost = (body: unknown) => number;

/** The route's requests count `cost(body)` against the rate limit instead of 1 (a batch: its jobs). */
export const RateLimitCost = (cost: RateLimitCost) => SetMetadata(RATE_LIMIT_COST, cost);

export const STREAM_TOKEN_ACCEPTED = 'auth:stream-token';

/**
 * Besides a bearer token, the route accepts `?access_token=` with a stream token (StreamTokens):
 * the event streams, for EventSource clients, which cannot send headers.
 */
export const StreamTokenAccepted = () => SetMetadata(STREAM_TOKEN_ACCEPTED, true);

/** The route needs no token (health probes). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * The caller needs one of these roles; documents the bearer token and the 401/403 answers. A
 * viewer's access follows from the method, in RolesGuard alone (read-only).
 */
export const Roles = (...roles: Role[]) =>
  applyDecorators(
    SetMetadata(ROLES, roles),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({
      type: ErrorResponseDto,
      description: 'No token, or an expired or invalid one (UNAUTHORIZED)',
    }),
    ...(roles.includes(Role.User)
      ? []
      : [
          ApiForbiddenResponse({
            type: ErrorResponseDto,
            description: `Needs the ${roles.join(' or ')} role (FORBIDDEN); a viewer may read (GET) what an admin reads and is refused any change (READ_ONLY_ROLE)`,
          }),
        ]),
  );

/** The authenticated caller. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthUser =>
    context.switchToHttp().getRequest<{ user: AuthUser }>().user,
);
