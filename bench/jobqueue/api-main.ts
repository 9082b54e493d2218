/**
 * The api process the HTTP phases start: createApiApp exactly as apps/api/src/main.ts runs it,
 * configured from the environment only (no .env). Prints `api listening <url>` once listening.
 */
import 'reflect-metadata';
import { exitOnStartupError, loadConfig } from '@app/config';
import { API_CONFIG_SECTIONS } from '../../apps/api/src/api.module';
import { createApiApp } from '../../apps/api/src/create-api-app';

async function main(): Promise<void> {
  const config = loadConfig(process.env, API_CONFIG_SECTIONS);
  const app = await createApiApp(config);
  await app.listen(config.http.port, config.http.host);
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  process.stdout.write(`api listening ${url}\n`);
}

main().catch(exitOnStartupError);
