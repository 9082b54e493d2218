import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { sign } from 'jsonwebtoken';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '/work/main/libs/database/src';
import { createQueuePair, startSqsEmulator } from '/work/main/tools/dev-services/sqs-emulator';
import { createApiApp } from '/work/main/apps/api/src/create-api-app';
import { testConfig } from '/work/main/test/support/test-config';

async function main() {
  const base = 'postgres://postgres@127.0.0.1:5432/postgres';
  const db = `jq_probe_${randomBytes(3).toString('hex')}`;
  const c = new Client({ connectionString: base }); await c.connect(); await c.query(`CREATE DATABASE ${db}`); await c.end();
  const url = `postgres://postgres@127.0.0.1:5432/${db}`;
  const ds = new DataSource({ ...dataSourceOptions({ url, runMigrations: false, poolSize: 1 }), logging: false });
  await ds.initialize(); await ds.runMigrations(); await ds.destroy();
  process.env.AWS_ACCESS_KEY_ID='test'; process.env.AWS_SECRET_ACCESS_KEY='test';
  const sqs = await startSqsEmulator();
  const q = await createQueuePair(sqs.endpoint, 'probe');
  const config = testConfig(url, { queue: { queueUrl: q.queueUrl, dlqUrl: q.dlqUrl, endpoint: sqs.endpoint } });
  const app = await createApiApp(config);
  await app.listen(0, '127.0.0.1');
  const u = await app.getUrl();
  const token = sign({ sub: 'b' }, config.auth.secret!, { expiresIn: '1h' });
  for (const [path, method, body] of [['/api/v1/jobs','POST',JSON.stringify({jobType:'echo',payload:{}})]] as const) {
    for (const conns of [1]) {
      const r = await autocannon({ url: u.replace('[::1]','127.0.0.1') + path, method, connections: conns, duration: 3, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
      console.log(method, path, conns, Math.round(r.requests.average), 'req/s p50', r.latency.p50, 'non2xx', r.non2xx);
    }
  }
  await app.close(); await sqs.stop();
  const c2 = new Client({ connectionString: base }); await c2.connect(); await c2.query(`DROP DATABASE ${db} WITH (FORCE)`); await c2.end();
}
main().catch((e) => { console.error(e); process.exit(1); });
