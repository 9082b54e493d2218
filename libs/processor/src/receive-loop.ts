/** The part of an sqs-consumer Consumer the gate needs: its batch size, set before each receive. */
export interface ReceiveLoop {
  updateOption(option: 'batchSize', value: number): void;
}

/** Thrown into a receive loop that asks for messages after the worker started stopping. */
export class IntakeClosedError extends Error {
  constructor() {
    super('the worker is stopping: no more receives');
    this.name = 'IntakeClosedError';
  }
}
