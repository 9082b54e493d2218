import { inputProblem } from '../errors/input-hygiene';
import { RequestValidationError } from '../errors/request-validation.error';

/** Longest `payload` filter, in characters of JSON. */
export const MAX_PAYLOAD_FILTER_CHARS = 2048;
/** Deepest `payload` filter: containment of a few nested fields, not a document. */
export const MAX_PAYLOAD_FILTER_DEPTH = 4;

/** `?payload=` as the object a JSONB `@>` takes; a 400 naming `payload` otherwise. */
export function parsePayloadFilter(text: string): Record<string, unknown> {
  const fail = (message: string) => new RequestValidationError([{ field: 'payload', message }]);
  if (text.length > MAX_PAYLOAD_FILTER_CHARS)
    throw fail(`payload must be at most ${MAX_PAYLOAD_FILTER_CHARS} characters of JSON`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw fail('payload must be a JSON object (URL-encoded)');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw fail('payload must be a JSON object (URL-encoded)');
  const problem = inputProblem(value, MAX_PAYLOAD_FILTER_DEPTH);
  if (problem) {
    const field = problem.field === 'body' ? 'payload' : `payload.${problem.field}`;
    throw new RequestValidationError([{ field, message: problem.message.replace(/^body/, field) }]);
  }
  return value as Record<string, unknown>;
}
