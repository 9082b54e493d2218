/**
 * Exponential backoff with full jitter: the delay before retry n (0-based) is drawn uniformly
 * from [0, min(cap, base × 2^n)].
 *
 * Why full jitter: jobs that fail together (a downstream outage) would otherwise retry together
 * and fail together again; full jitter spreads them over the whole window, which AWS's analysis
 * ("Exponential Backoff And Jitter") found to finish the work with the fewest calls. It also needs
 * no state: decorrelated jitter would have to store each job's previous delay.
 */
export function exponentialBackoff(
  attempt: number,
  baseDelayMs: number,
  opts: { capMs?: number; random?: () => number } = {},
): number {
  const cap = opts.capMs ?? 60 * 60 * 1000;
  const random = opts.random ?? Math.random;
  const ceiling = Math.min(cap, baseDelayMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}
