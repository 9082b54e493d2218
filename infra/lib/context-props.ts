import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { JobQueueStackProps, ServicesProps } from './job-queue-stack';

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
  // the services (README "Deploy to AWS")
  'services',
  'certificateArn',
  'allowHttp',
  'ingressCidr',
  'imageUri',
  'vpcId',
  'vpcAvailabilityZones',
  'vpcPublicSubnetIds',
  'vpcPrivateSubnetIds',
  'natGateways',
  'databaseUrlSecretArn',
  'databaseInstanceType',
  'databaseMaxConnections',
  'databaseMultiAz',
  'databaseStorageGiB',
  'jwtSecretArn',
  'jwtJwksUrl',
  'jwtIssuer',
  'jwtAudience',
  'apiMinTasks',
  'apiMaxTasks',
  'apiPoolSize',
  'workerMinTasks',
  'workerMaxTasks',
  'workerPoolSize',
  'workerConcurrency',
  'workerBacklogPerTask',
  'lambdaJobTypes',
  'maxMessageAgeSeconds',
  'alarmEmail',
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
    services: servicesFromContext(get, text),
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

const list = (value: string | undefined): string[] | undefined =>
  value
    ?.split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

function servicesFromContext(
  get: (key: ContextKey) => unknown,
  text: (key: ContextKey) => string | undefined,
): ServicesProps | false {
  if (asBoolean('services', get('services')) === false) return false;
  const int = (key: ContextKey) => asInteger(key, get(key));
  const vpcId = text('vpcId');
  const databaseUrlSecretArn = text('databaseUrlSecretArn');
  const jwtSecretArn = text('jwtSecretArn');
  const jwtJwksUrl = text('jwtJwksUrl');
  if (jwtSecretArn && jwtJwksUrl) {
    throw new Error('context jwtSecretArn and jwtJwksUrl exclude each other: choose one');
  }
  // the api refuses to start otherwise (JWT_JWKS_URL needs JWT_ISSUER, JWT_AUDIENCE and https)
  if (
    jwtJwksUrl &&
    (!jwtJwksUrl.startsWith('https://') || !text('jwtIssuer') || !text('jwtAudience'))
  ) {
    throw new Error('context jwtJwksUrl must be https and needs jwtIssuer and jwtAudience');
  }
  const imageUri = text('imageUri');
  const maxConnections = int('databaseMaxConnections');
  return {
    certificateArn: text('certificateArn'),
    allowHttp: asBoolean('allowHttp', get('allowHttp')),
    ingressCidr: text('ingressCidr'),
    image: imageUri ? ecs.ContainerImage.fromRegistry(imageUri) : undefined,
    vpc: vpcId
      ? {
          vpcId,
          availabilityZones: list(text('vpcAvailabilityZones')) ?? [],
          publicSubnetIds: list(text('vpcPublicSubnetIds')) ?? [],
          privateSubnetIds: list(text('vpcPrivateSubnetIds')) ?? [],
        }
      : undefined,
    natGateways: int('natGateways'),
    database: databaseUrlSecretArn
      ? {
          kind: 'url-secret',
          secretArn: databaseUrlSecretArn,
          maxConnections: maxConnections ?? 100,
        }
      : {
          kind: 'instance',
          instanceType: text('databaseInstanceType') ?? 't4g.small',
          maxConnections: maxConnections ?? 150,
          multiAz: asBoolean('databaseMultiAz', get('databaseMultiAz')) ?? false,
          allocatedStorageGiB: int('databaseStorageGiB') ?? 20,
        },
    jwt: jwtJwksUrl
      ? { kind: 'jwks', jwksUrl: jwtJwksUrl }
      : jwtSecretArn
        ? { kind: 'secret', secretArn: jwtSecretArn }
        : { kind: 'generated-secret' },
    jwtIssuer: text('jwtIssuer'),
    jwtAudience: text('jwtAudience'),
    apiMinTasks: int('apiMinTasks'),
    apiMaxTasks: int('apiMaxTasks'),
    apiPoolSize: int('apiPoolSize'),
    workerMinTasks: int('workerMinTasks'),
    workerMaxTasks: int('workerMaxTasks'),
    workerPoolSize: int('workerPoolSize'),
    workerConcurrency: int('workerConcurrency'),
    workerBacklogPerTask: int('workerBacklogPerTask'),
    lambdaJobTypes:
      get('lambdaJobTypes') === undefined ? undefined : (list(text('lambdaJobTypes')) ?? []),
    maxMessageAgeSeconds: int('maxMessageAgeSeconds'),
    alarmEmail: text('alarmEmail'),
  };
}
