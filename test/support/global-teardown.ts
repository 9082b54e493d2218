/** Stops what the global set-up started, once, however many projects name this teardown. */
export default async function globalTeardown(): Promise<void> {
  const teardown = globalThis.__JQ_TEARDOWN__;
  globalThis.__JQ_TEARDOWN__ = undefined;
  await teardown?.();
}
