import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { TIMINGS_ENV } from './global-setup';

// A scenario starts its own PostgreSQL, emulator, api and workers, and waits out stall limits.
jest.setTimeout(240_000);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const from = Date.now();
afterAll(() => {
  const dir = process.env[TIMINGS_ENV];
  const file = path.basename(expect.getState().testPath ?? 'unknown');
  if (dir)
    writeFileSync(path.join(dir, `${file}.json`), JSON.stringify({ file, from, to: Date.now() }));
});
