import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ROLES } from './auth.decorators';
import { type AuthUser, isReadOnly, Role } from './role';

/** Methods that change nothing: the only ones a viewer may use. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Error code of a viewer's refused change (the api's error envelope carries it). */
export const READ_ONLY_ROLE = 'READ_ONLY_ROLE';

/**
 * Global, after JwtAuthGuard: a route with @Roles(...) needs one of them. The viewer role is
 * decided here and nowhere else, by the HTTP method: a viewer reads whatever an admin reads (an
 * @Roles(Role.Admin) GET route) and is refused every other method, so a mutating route added
 * later is closed to viewers without anyone remembering to say so. Read routes must be GETs.
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const needed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    const request = context.switchToHttp().getRequest<{ user?: AuthUser; method: string }>();
    const { user } = request;
    const reads = READ_METHODS.has(request.method);
    if (user && !reads && isReadOnly(user))
      throw new ForbiddenException({
        code: READ_ONLY_ROLE,
        message: 'The viewer role is read-only: it cannot create, change or delete anything',
      });
    if (!needed?.length) return true;
    if (user && needed.some((role) => grants(user, role, reads))) return true;
    throw new ForbiddenException(`This needs the ${needed.join(' or ')} role`);
  }
}

/** Whether `user` holds `role`; a viewer holds the admin role for reading. */
function grants(user: AuthUser, role: Role, reads: boolean): boolean {
  if (user.roles.includes(role)) return true;
  return role === Role.Admin && reads && user.roles.includes(Role.Viewer);
}
