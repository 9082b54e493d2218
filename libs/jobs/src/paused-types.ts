/**
 * SQL: the type of the job aliased `alias` is paused (job_type_states). A primary-key probe of a
 * table of a few rows, so the claim can check it for every job it takes: a worker sees a pause
 * in its next claim, with nothing cached.
 */
export function typePaused(alias: string): string {
  return `EXISTS (SELECT 1 FROM job_type_states p WHERE p.job_type = ${alias}.job_type AND p.paused_at IS NOT NULL)`;
}
