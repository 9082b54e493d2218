/**
 * Base of every error the domain throws on purpose. `code` is stable (clients and the api's
 * exception filter match on it); `details` carries the facts needed to act on it.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;

  constructor(
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}
