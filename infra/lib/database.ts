import { Annotations, Duration, RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { Network } from './network';

/** Database name and master user of the instance the stack makes. */
export const DATABASE_NAME = 'jobqueue';
export const DATABASE_USER = 'jobqueue';

/**
 * Characters the generated password never contains: every one that a URL's userinfo would have
 * to percent-encode, so the functions' DATABASE_URL can be assembled by CloudFormation as is.
 * What remains is letters, digits, `-`, `_` and `.`.
 */
export const PASSWORD_EXCLUDED_CHARACTERS = ` %+~\`#$&*()|[]{}:;<>?!'/@"\\^=,`;

export type DatabaseChoice =
  | {
      kind: 'instance';
      /** e.g. t4g.small */
      instanceType: string;
      /** Written into the parameter group: the limit the connection budget is checked against. */
      maxConnections: number;
      multiAz: boolean;
      allocatedStorageGiB: number;
    }
  | {
      kind: 'url-secret';
      /** Complete ARN of a secret whose SecretString is the PostgreSQL URL. */
      secretArn: string;
      /** The limit of that database, for the connection budget. */
      maxConnections: number;
    };

/**
 * Where the service's PostgreSQL is and how its processes get the URL: an encrypted RDS
 * PostgreSQL 16 instance the stack makes (credentials generated into Secrets Manager), or a
 * database the team already has, whose URL is in a secret.
 *
 * ECS tasks get the credentials as ECS secrets (fetched when a task starts, never in the
 * template): either DATABASE_URL itself, or DB_USER/DB_PASSWORD plus DB_HOST/DB_PORT/DB_NAME/
 * DB_SSLMODE, from which the image's entry point (scripts/docker-entrypoint.sh) builds
 * DATABASE_URL. The functions get DATABASE_URL through CloudFormation dynamic references,
 * resolved at deploy time.
 */
export class JobDatabase extends Construct {
  readonly ecsSecrets: Record<string, ecs.Secret>;
  readonly ecsEnvironment: Record<string, string>;
  readonly functionUrl: string;
  readonly maxConnections: number;
  readonly instance?: rds.DatabaseInstance;

  constructor(scope: Construct, id: string, choice: DatabaseChoice, network: Network) {
    super(scope, id);
    this.maxConnections = choice.maxConnections;
    if (choice.kind === 'url-secret') {
      const secret = secretsmanager.Secret.fromSecretCompleteArn(
        this,
        'UrlSecret',
        choice.secretArn,
      );
      this.ecsSecrets = { DATABASE_URL: ecs.Secret.fromSecretsManager(secret) };
      this.ecsEnvironment = {};
      this.functionUrl = SecretValue.secretsManager(choice.secretArn).unsafeUnwrap();
      Annotations.of(this).addInfoV2(
        'jobqueue:external-database',
        "The database is yours: allow PostgreSQL from the stack's security groups (outputs) and keep max_connections at least databaseMaxConnections.",
      );
      return;
    }

    const engine = rds.DatabaseInstanceEngine.postgres({
      version: rds.PostgresEngineVersion.VER_16,
    });
    const instance = new rds.DatabaseInstance(this, 'Instance', {
      engine,
      instanceType: new ec2.InstanceType(choice.instanceType),
      vpc: network.vpc,
      vpcSubnets: network.databaseSubnets,
      publiclyAccessible: false,
      multiAz: choice.multiAz,
      allocatedStorage: choice.allocatedStorageGiB,
      maxAllocatedStorage: choice.allocatedStorageGiB * 5,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      databaseName: DATABASE_NAME,
      credentials: rds.Credentials.fromGeneratedSecret(DATABASE_USER, {
        excludeCharacters: PASSWORD_EXCLUDED_CHARACTERS,
      }),
      parameterGroup: new rds.ParameterGroup(this, 'Parameters', {
        engine,
        description: 'jobqueue: the connection limit the budget is checked against; TLS only',
        parameters: { max_connections: String(choice.maxConnections), 'rds.force_ssl': '1' },
      }),
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
      backupRetention: Duration.days(7),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      autoMinorVersionUpgrade: true,
    });
    this.instance = instance;
    const secret = instance.secret!;
    this.ecsSecrets = {
      DB_USER: ecs.Secret.fromSecretsManager(secret, 'username'),
      DB_PASSWORD: ecs.Secret.fromSecretsManager(secret, 'password'),
    };
    this.ecsEnvironment = {
      DB_HOST: instance.dbInstanceEndpointAddress,
      DB_PORT: instance.dbInstanceEndpointPort,
      DB_NAME: DATABASE_NAME,
      DB_SSLMODE: 'verify-full',
    };
    this.functionUrl = [
      'postgres://',
      secret.secretValueFromJson('username').unsafeUnwrap(),
      ':',
      secret.secretValueFromJson('password').unsafeUnwrap(),
      '@',
      instance.dbInstanceEndpointAddress,
      ':',
      instance.dbInstanceEndpointPort,
      `/${DATABASE_NAME}?sslmode=verify-full`,
    ].join('');
  }

  /** Lets a security group reach PostgreSQL (a no-op for a database the stack does not own). */
  allowFrom(peer: ec2.IConnectable, description: string): void {
    this.instance?.connections.allowDefaultPortFrom(peer, description);
  }
}
