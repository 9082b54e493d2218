/** Ends an invocation's output on the runner's stdout (its IPC reply may overtake the pipe). */
export const OUTPUT_END = '\u0000invocation-end';
