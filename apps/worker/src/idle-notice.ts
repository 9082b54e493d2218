import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';

/** Placeholder until the queue consumer lands: keeps the worker up and says it has nothing to do. */
@Injectable()
export class IdleNotice implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Worker');
  private timer?: NodeJS.Timeout;

  onApplicationBootstrap(): void {
    this.logger.log('Worker started; no queue consumer is configured yet, idling');
    this.timer = setInterval(() => this.logger.debug('idle'), 60_000);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
