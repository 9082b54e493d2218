/** The JSON lines of a log capture, parsed; anything else (a console line) is left out. */
export function jsonLines(logs: string): Record<string, unknown>[] {
  return logs
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
