import * as path from 'node:path';
import { build, type Plugin } from 'esbuild';

/**
 * Packages left out of the bundles. sharp is native (libvips binaries per platform): deploy it
 * as a Lambda layer built for linux-x64 (or arm64), not inside the zip. pg-native is an
 * optional add-on of pg that we do not use.
 */
export const EXTERNAL = ['sharp', 'pg-native'];

/**
 * The function bundles need libs/config's loader and libs/tracing's functions but not their Nest
 * modules (AppConfigModule, TracingModule): marking those files side-effect free lets esbuild
 * drop them, and @nestjs/* and rxjs with them.
 */
const withoutNestConfigModule: Plugin = {
  name: 'without-nest-config-module',
  setup(b) {
    b.onResolve({ filter: /(app-config|tracing)\.module$/ }, (args) => ({
      path: `${path.resolve(args.resolveDir, args.path)}.ts`,
      sideEffects: false,
    }));
  },
};

/**
 * Bundles one function into `<outDir>/index.js` (+ source map): CommonJS for the nodejs20.x
 * runtime, minified, everything inlined but EXTERNAL. The AWS SDK is bundled too, so a function
 * runs the SDK version it was tested with rather than the runtime's. tsconfig paths (@app/*)
 * resolve through tsconfig.json.
 */
export async function bundleFunction(entry: string, outDir: string): Promise<string> {
  const outfile = path.join(outDir, 'index.js');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    external: EXTERNAL,
    plugins: [withoutNestConfigModule],
    absWorkingDir: path.resolve(__dirname, '../..'),
    logLevel: 'warning',
  });
  return outfile;
}
