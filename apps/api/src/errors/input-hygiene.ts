import type { FieldProblem } from './request-validation.error';

/** Deepest nesting of objects and arrays a request body may have (the body itself is level 1). */
export const MAX_JSON_DEPTH = 32;

/**
 * The first thing in `value` (a request body, query or path parameters) that PostgreSQL cannot
 * store as it was sent, or that is nested deeper than `maxDepth`: a NUL (`\u0000`, refused by
 * text and jsonb alike) or a lone surrogate (refused by jsonb, turned into U+FFFD by text) in any
 * string or key. Walks without recursion, so a hostile depth cannot overflow the stack.
 */
export function inputProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): FieldProblem | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (typeof item.value === 'string') {
      const problem = stringProblem(item.value);
      if (problem) return at(item.path, `must not contain ${problem}`);
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) continue;
    const depth = item.depth + 1;
    if (depth > maxDepth) return at(item.path, `must not be nested deeper than ${maxDepth} levels`);
    for (const [key, child] of Object.entries(item.value)) {
      const path = item.path ? `${item.path}.${key}` : key;
      const problem = stringProblem(key);
      if (problem) return at(path, `must not have a name containing ${problem}`);
      stack.push({ value: child, path, depth });
    }
  }
  return null;
}

function stringProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'NUL characters (\\u0000)';
  if (!text.isWellFormed()) return 'lone UTF-16 surrogates';
  return null;
}

function at(path: string, problem: string): FieldProblem {
  const field = path || 'body';
  return { field, message: `${field} ${problem}` };
}
