import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** The dashboard's own files (copied next to the compiled code by nest-cli.json's assets). */
const PUBLIC_DIR = join(__dirname, 'public');
const PAGE_FILE = join(__dirname, 'index.html');

/**
 * The browser modules the dashboard imports, served straight from node_modules: no bundler, no
 * CDN. Only these folders are reachable, each under /dashboard/vendor/<name>/.
 */
const VENDOR: Record<string, string> = {
  preact: distDir('preact'),
  'preact-hooks': distDir('preact/hooks'),
  htm: distDir('htm'),
  uplot: distDir('uplot'),
};

/** Bare specifiers the modules use ('preact' inside preact/hooks), mapped to those files. */
const IMPORT_MAP = JSON.stringify({
  imports: {
    preact: '/dashboard/vendor/preact/preact.mjs',
    'preact/hooks': '/dashboard/vendor/preact-hooks/hooks.mjs',
    htm: '/dashboard/vendor/htm/htm.mjs',
    uplot: '/dashboard/vendor/uplot/uPlot.esm.js',
  },
});

/**
 * No inline script but the import map, allowed by its hash; styles from files only (scripts
 * may still set element.style); data only from this origin; never framed.
 */
function contentSecurityPolicy(importMapHash: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' 'sha256-${importMapHash}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Serves the dashboard at /dashboard: one HTML page (the app routes by the URL's hash), its
 * modules and styles, and the vendor modules. All of it is public and static: every figure the
 * page shows comes from /api/v1 with the user's token, under the same rules as any client.
 */
export async function serveDashboard(app: NestFastifyApplication): Promise<void> {
  const hash = createHash('sha256').update(IMPORT_MAP).digest('base64');
  const headers: Record<string, string> = {
    'content-security-policy': contentSecurityPolicy(hash),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  const page = readFileSync(PAGE_FILE, 'utf8').replace(
    '<!-- import map -->',
    `<script type="importmap">${IMPORT_MAP}</script>`,
  );
  const folders = { assets: PUBLIC_DIR, ...prefixed(VENDOR) };
  // one encapsulated scope: its hook guards the dashboard's routes only
  await app.register(async (scope: FastifyInstance) => {
    // @fastify/static answers a path that climbs out of its folder with an error the api's
    // filter does not know (a 500); it is a plain 404 here
    scope.addHook('onRequest', async (request, reply) => {
      if (climbsOut(request.url)) await reply.code(404).send(NOT_FOUND);
    });
    for (const path of ['/dashboard', '/dashboard/'])
      scope.get(path, (_request, reply: FastifyReply) =>
        reply
          .headers({ ...headers, 'cache-control': 'no-cache' })
          .type('text/html; charset=utf-8')
          .send(page),
      );
    let first = true;
    for (const [prefix, root] of Object.entries(folders)) {
      await scope.register(fastifyStatic, {
        root,
        prefix: `/dashboard/${prefix}/`,
        // only the first registration may add reply.sendFile
        decorateReply: first,
        index: false,
        setHeaders: (reply: FastifyReply) => void reply.headers(headers),
      });
      first = false;
    }
  });
}

const NOT_FOUND = { error: { code: 'NOT_FOUND', message: 'Not found', details: [] } };

/** A `.` or `..` segment, however encoded, or a path that cannot be decoded. */
function climbsOut(url: string): boolean {
  const path = url.split('?')[0];
  try {
    return decodeURIComponent(path)
      .split(/[/\\]/)
      .some((segment) => segment === '..' || segment === '.');
  } catch {
    return true;
  }
}

function prefixed(vendor: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(vendor).map(([name, dir]) => [`vendor/${name}`, dir]));
}

/** The folder of a package's main file: its dist/ (not every package exports package.json). */
function distDir(name: string): string {
  return dirname(require.resolve(name));
}
