import type { AppConfig } from '@app/config';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { RolesGuard } from './roles.guard';
import { StreamTokens } from './stream-tokens';
import { UserThrottlerGuard } from './user-throttler.guard';
import { WindowCounterStorage } from './window-counter.storage';

/**
 * Who may call what, and how often. The three global guards run in the order listed here:
 * authenticate (JWT), authorize (roles), then rate-limit by the authenticated user.
 */
@Module({
  imports: [
    PassportModule,
    ThrottlerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => {
        const http = config.get('http', { infer: true });
        return {
          throttlers: [{ ttl: http.rateLimitWindowMs, limit: http.rateLimitMax }],
          storage: new WindowCounterStorage(),
        };
      },
    }),
  ],
  providers: [
    JwtStrategy,
    StreamTokens,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
    { provide: APP_GUARD, useClass: UserThrottlerGuard },
  ],
  exports: [StreamTokens],
})
export class AuthModule {}
