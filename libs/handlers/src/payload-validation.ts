import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

export interface FieldProblem {
  /** Dotted path from the request body, e.g. `payload.videoUrl`. */
  field: string;
  message: string;
}

export type PayloadCheck = { ok: true; value: object } | { ok: false; problems: FieldProblem[] };

/** Validates a payload against its handler's class: unknown fields are refused, values transformed. */
export function validatePayload(
  cls: new () => object,
  payload: unknown,
  prefix = 'payload',
): PayloadCheck {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { ok: false, problems: [{ field: prefix, message: `${prefix} must be an object` }] };
  }
  const value = plainToInstance(cls, payload);
  const errors = validateSync(value, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
  });
  return errors.length === 0
    ? { ok: true, value }
    : { ok: false, problems: flatten(errors, prefix) };
}

function flatten(errors: ValidationError[], prefix: string): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = `${prefix}.${e.property}`;
    const own = Object.values(e.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(e.property, field),
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}
