export default async function globalTeardown(): Promise<void> {
  await globalThis.__JQ_TEARDOWN__?.();
}
