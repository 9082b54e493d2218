import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';

/** A VPC the team already has, named by ids so synthesis needs no lookup (and no account). */
export interface ExistingVpc {
  vpcId: string;
  availabilityZones: readonly string[];
  /** Where the load balancer goes. */
  publicSubnetIds: readonly string[];
  /** Where the tasks, the functions and the database go; they need a route out (NAT) or endpoints. */
  privateSubnetIds: readonly string[];
}

export interface Network {
  vpc: ec2.IVpc;
  /** The load balancer's subnets. */
  publicSubnets: ec2.SubnetSelection;
  /** The tasks' and functions' subnets: no public IP, a route out through NAT. */
  appSubnets: ec2.SubnetSelection;
  /** The database's subnets: no route to or from the internet when the stack makes the VPC. */
  databaseSubnets: ec2.SubnetSelection;
}

/**
 * The stack's own VPC (two zones: public subnets for the load balancer, private ones with NAT
 * for tasks and functions, isolated ones for the database, and a free S3 gateway endpoint), or
 * an existing one from its ids.
 */
export function jobQueueNetwork(
  scope: Construct,
  existing: ExistingVpc | undefined,
  natGateways: number,
): Network {
  if (existing) {
    if (existing.publicSubnetIds.length < 2 || existing.privateSubnetIds.length < 2) {
      throw new Error(
        'vpcPublicSubnetIds and vpcPrivateSubnetIds need at least two subnets each (two zones: the load balancer and RDS require it)',
      );
    }
    const vpc = ec2.Vpc.fromVpcAttributes(scope, 'Vpc', {
      vpcId: existing.vpcId,
      availabilityZones: [...existing.availabilityZones],
      publicSubnetIds: [...existing.publicSubnetIds],
      privateSubnetIds: [...existing.privateSubnetIds],
    });
    const privateSubnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    return {
      vpc,
      publicSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      appSubnets: privateSubnets,
      databaseSubnets: privateSubnets,
    };
  }
  const vpc = new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
    ],
    gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
  });
  return {
    vpc,
    publicSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    appSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    databaseSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
  };
}
