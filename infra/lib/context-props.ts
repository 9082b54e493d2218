import type { JobQueueStackProps } from './job-queue-stack';

/** Context keys the app reads (`cdk synth -c key=value`, or "context" in cdk.json). */
export const CONTEXT_KEYS = [
  'namePrefix',
  'maxReceiveCount',
  'exportExpirationDays',
  'reservedConcurrency',
  'architecture',
  'lambdaRuntime',
  'thumbnailLayerArns',
  'stubMissingBundles',
] as const;

type ContextKey = (typeof CONTEXT_KEYS)[number];

function asInteger(key: ContextKey, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n))
    throw new Error(`context ${key} must be an integer (got "${String(value)}")`);
  return n;
}

function asBoolean(key: ContextKey, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new Error(`context ${key} must be true or false (got "${String(value)}")`);
}

/** Stack props from CDK context values, which arrive as strings from the command line. */
export function propsFromContext(get: (key: ContextKey) => unknown): JobQueueStackProps {
  const architecture = get('architecture');
  if (architecture !== undefined && architecture !== 'x86_64' && architecture !== 'arm64') {
    throw new Error(`context architecture must be x86_64 or arm64 (got "${String(architecture)}")`);
  }
  const runtime = get('lambdaRuntime');
  if (runtime !== undefined && runtime !== 'nodejs20.x' && runtime !== 'nodejs22.x') {
    throw new Error(
      `context lambdaRuntime must be nodejs20.x or nodejs22.x (got "${String(runtime)}")`,
    );
  }
  const text = (key: ContextKey): string | undefined => {
    const value = get(key);
    return value === undefined ? undefined : String(value);
  };
  return {
    namePrefix: text('namePrefix'),
    maxReceiveCount: asInteger('maxReceiveCount', get('maxReceiveCount')),
    exportExpirationDays: asInteger('exportExpirationDays', get('exportExpirationDays')),
    reservedConcurrency: asInteger('reservedConcurrency', get('reservedConcurrency')),
    architecture,
    runtime,
    thumbnailLayerArns: text('thumbnailLayerArns')
      ?.split(',')
      .map((arn) => arn.trim())
      .filter((arn) => arn !== ''),
    stubMissingBundles: asBoolean('stubMissingBundles', get('stubMissingBundles')),
  };
}
