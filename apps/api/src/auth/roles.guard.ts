import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ROLES } from './auth.decorators';
import type { AuthUser, Role } from './role';

/** Global, after JwtAuthGuard: a route with @Roles(...) needs one of them. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const needed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!needed?.length) return true;
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (user && needed.some((role) => user.roles.includes(role))) return true;
    throw new ForbiddenException(`This needs the ${needed.join(' or ')} role`);
  }
}
