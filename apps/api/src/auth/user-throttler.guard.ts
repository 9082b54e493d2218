import type { ExecutionContext } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AuthUser } from './role';

/**
 * Global, after JwtAuthGuard: limits POST requests per user (the token's `sub`, not the IP, so
 * users behind one proxy do not share a budget). Reads are not limited. The counters live in
 * this process: with N api instances a user gets up to N × RATE_LIMIT_MAX per window.
 */
@Injectable()
export class UserThrottlerGuard extends ThrottlerGuard {
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<{ method: string; user?: AuthUser }>();
    return Promise.resolve(req.method !== 'POST' || !req.user);
  }

  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    return Promise.resolve((req.user as AuthUser).id);
  }
}
