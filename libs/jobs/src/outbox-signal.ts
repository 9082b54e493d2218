import { Injectable } from '@nestjs/common';

/**
 * "Outbox rows were committed": whoever commits queue_messages rows (a submission, a release, a
 * dead letter, a re-send) calls notify(), and the outbox relay (libs/queue), which listens, sends
 * them at once instead of at its next interval. A signal rather than a call, so that libs/jobs,
 * which writes those rows, depends on nothing in libs/queue, which reads them.
 */
@Injectable()
export class OutboxSignal {
  private readonly listeners = new Set<() => void>();

  notify(): void {
    for (const listener of this.listeners) listener();
  }

  /** Calls `listener` on every notify(); returns the function that stops it. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
