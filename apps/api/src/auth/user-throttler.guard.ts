import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard, type ThrottlerRequest } from '@nestjs/throttler';
import { RATE_LIMIT_COST, type RateLimitCost } from './auth.decorators';
import type { AuthUser } from './role';
import { WindowCounterStorage } from './window-counter.storage';

/**
 * Global, after JwtAuthGuard: limits POST requests per user (the token's `sub`, not the IP, so
 * users behind one proxy do not share a budget). All POST routes draw on one budget, and a
 * request costs what its route's @RateLimitCost says (a batch: its jobs), 1 by default. Reads
 * are not limited. The counters live in this process: with N api instances a user gets up to
 * N × RATE_LIMIT_MAX per window.
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

  /** One key per user and throttler, whatever the route (the library's default is per route). */
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string) {
    return `${name}\u0000${tracker}`;
  }

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration } = request;
    const { req, res } = this.getRequestResponse(context);
    const tracker = await request.getTracker(req, context);
    const name = throttler.name ?? 'default';
    const key = request.generateKey(context, tracker, name);
    const cost = this.costOf(context, req.body);
    if (!(this.storageService instanceof WindowCounterStorage))
      throw new Error('UserThrottlerGuard needs the WindowCounterStorage (AuthModule)');
    const record = await this.storageService.increment(key, ttl, limit, blockDuration, name, cost);
    if (record.isBlocked) {
      this.setResponseHeader(res, 'Retry-After', record.timeToBlockExpire);
      throw new ThrottlerException(
        cost > limit
          ? `This request counts ${cost} against a limit of ${limit} per window (RATE_LIMIT_MAX): send fewer jobs at once`
          : `Too many requests: at most ${limit} per ${ttl / 1000} s (RATE_LIMIT_MAX), this one counts ${cost}`,
      );
    }
    this.setResponseHeader(res, `${this.headerPrefix}-Limit`, limit);
    this.setResponseHeader(
      res,
      `${this.headerPrefix}-Remaining`,
      Math.max(0, limit - record.totalHits),
    );
    this.setResponseHeader(res, `${this.headerPrefix}-Reset`, record.timeToExpire);
    return true;
  }

  private costOf(context: ExecutionContext, body: unknown): number {
    const cost = this.reflector.getAllAndOverride<RateLimitCost | undefined>(RATE_LIMIT_COST, [
      context.getHandler(),
      context.getClass(),
    ]);
    return cost ? Math.max(1, cost(body)) : 1;
  }
}
