import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { BucketAccess } from './job-functions';

/** Explicit S3 actions (no wildcards) on one bucket for one kind of access. */
export function bucketStatements(bucket: s3.IBucket, access: BucketAccess): iam.PolicyStatement[] {
  const objectActions = [
    ...(access.read ? ['s3:GetObject'] : []),
    ...(access.write ? ['s3:PutObject', 's3:AbortMultipartUpload'] : []),
  ];
  const statements: iam.PolicyStatement[] = [];
  if (objectActions.length > 0) {
    statements.push(
      new iam.PolicyStatement({ actions: objectActions, resources: [bucket.arnForObjects('*')] }),
    );
  }
  if (access.list) {
    statements.push(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
    );
  }
  return statements;
}
