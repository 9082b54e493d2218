import { QueueService } from './queue.service';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';

/** SQS is reachable when GetQueueAttributes on the work queue and the DLQ answers in time. */
@Injectable()
export class SqsHealthIndicator {
  constructor(
    private readonly queue: QueueService,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async pingCheck(key: string, { timeout }: { timeout: number }) {
    const check = this.indicator.check(key);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.queue.getQueueStats(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timeout of ${timeout}ms exceeded`)), timeout);
        }),
      ]);
      return check.up();
    } catch (error) {
      return check.down({ message: error instanceof Error ? error.message : String(error) });
    } finally {
      clearTimeout(timer);
    }
  }
}
