/**
 * What the global set-up hands to the test files, through environment variables because jest
 * runs the files in other processes. Only test code reads these.
 */
export const TEST_ENV = {
  /** URL of a database on the test server with the rights to CREATE DATABASE. */
  adminUrl: 'JQ_TEST_ADMIN_URL',
  /** Name of the migrated template database that each test file clones. */
  templateDb: 'JQ_TEST_TEMPLATE_DB',
  /** Endpoint of the SQS emulator started for this run. */
  sqsEndpoint: 'JQ_TEST_SQS_ENDPOINT',
  /** Its process id. */
  sqsPid: 'JQ_TEST_SQS_PID',
} as const;

export function requireTestEnv(name: keyof typeof TEST_ENV): string {
  const value = process.env[TEST_ENV[name]];
  if (!value)
    throw new Error(
      `${TEST_ENV[name]} is not set: run the integration tests through jest's global set-up`,
    );
  return value;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
