import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Where each chaos file records its wall time, so the teardown can say what the tier took. */
export const TIMINGS_ENV = 'JQ_CHAOS_TIMINGS_DIR';

export default function globalSetup(): void {
  process.env[TIMINGS_ENV] = mkdtempSync(path.join(os.tmpdir(), 'jq-chaos-timings-'));
}
