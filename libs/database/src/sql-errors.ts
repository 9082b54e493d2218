/**
 * SQLSTATE classes that mean "this row's values are refused", not "the database is unwell":
 * 22 data exception (invalid text, a \u0000 in jsonb, a number out of range), 23 integrity
 * constraint violation (the job was deleted meanwhile), 54 program limit exceeded (a value too
 * large). Writing the same values again fails the same way; a batch holding one must be split.
 */
const DATA_ERROR_CLASSES = new Set(['22', '23', '54']);

/** The SQLSTATE of a node-postgres or TypeORM error, if it has one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * True when the statement failed because of the values it carried. Errors raised before the
 * statement reached the server (serialising a parameter) count too: they are the values' fault.
 */
export function isDataError(error: unknown): boolean {
  const state = sqlState(error);
  if (state) return DATA_ERROR_CLASSES.has(state.slice(0, 2));
  return error instanceof TypeError || error instanceof RangeError;
}
