#!/bin/bash
# LocalStack "ready" hook of docker-compose.yml: the AWS side of the service, as infra/'s
# JobQueueStack has it (queue and priority lane, each redriving to the DLQ, the two buckets, the
# four functions).
# Runs inside the localstack container, where `awslocal` and python3 exist.
set -euo pipefail

MAX_RECEIVE_COUNT="${JOBQUEUE_MAX_RECEIVE_COUNT:-5}"
MEDIA_BUCKET="${JOBQUEUE_MEDIA_BUCKET:-jobqueue-media}"
EXPORT_BUCKET="${JOBQUEUE_EXPORT_BUCKET:-jobqueue-exports}"
FUNCTIONS_DIR=/opt/jobqueue/functions

dlq_url=$(awslocal sqs create-queue --queue-name episode-jobs-dlq \
  --attributes MessageRetentionPeriod=1209600 --query QueueUrl --output text)
dlq_arn=$(awslocal sqs get-queue-attributes --queue-url "$dlq_url" \
  --attribute-names QueueArn --query Attributes.QueueArn --output text)
# 1020 s = the functions' 900 s timeout + 120 s, as in the CDK stack.
queue_attributes=$(python3 -c '
import json, sys
print(json.dumps({
    "VisibilityTimeout": "1020",
    "MessageRetentionPeriod": "345600",
    "RedrivePolicy": json.dumps({"deadLetterTargetArn": sys.argv[1], "maxReceiveCount": int(sys.argv[2])}),
}))' "$dlq_arn" "$MAX_RECEIVE_COUNT")
queue_url=$(awslocal sqs create-queue --queue-name episode-jobs-queue \
  --attributes "$queue_attributes" --query QueueUrl --output text)
priority_url=$(awslocal sqs create-queue --queue-name episode-jobs-priority \
  --attributes "$queue_attributes" --query QueueUrl --output text)
echo "jobqueue: queue $queue_url, priority lane $priority_url, DLQ $dlq_url (redrive after $MAX_RECEIVE_COUNT receives)"

awslocal s3 mb "s3://$MEDIA_BUCKET"
awslocal s3 mb "s3://$EXPORT_BUCKET"
awslocal s3api put-bucket-lifecycle-configuration --bucket "$EXPORT_BUCKET" --lifecycle-configuration \
  '{"Rules":[{"ID":"expire-exports","Status":"Enabled","Filter":{"Prefix":""},"Expiration":{"Days":7}}]}'
echo "jobqueue: buckets $MEDIA_BUCKET, $EXPORT_BUCKET"

# The functions exist only when their bundles were built on the host (npm run build:functions).
# process-thumbnails has no sharp or ffmpeg in LocalStack's runtime (AWS gets them from layers):
# keep thumbnail-generation in the worker here.
for name in process-thumbnails process-exports process-bulk-imports cleanup-jobs; do
  if [[ ! -f "$FUNCTIONS_DIR/$name/index.js" ]]; then
    echo "jobqueue: no bundle for $name (run npm run build:functions on the host); function not created"
    continue
  fi
  # index.js (and anything beside it) at the root of the zip
  (cd "$FUNCTIONS_DIR/$name" && python3 -m zipfile -c "/tmp/$name.zip" *)
  awslocal lambda create-function --function-name "$name" \
    --runtime nodejs20.x --handler index.handler --timeout 900 --memory-size 1024 \
    --role arn:aws:iam::000000000000:role/jobqueue-functions \
    --zip-file "fileb:///tmp/$name.zip" \
    --environment "Variables={DATABASE_URL=$JOBQUEUE_DATABASE_URL,S3_ENDPOINT=http://localstack:4566,S3_REGION=us-east-1,S3_FORCE_PATH_STYLE=true,EXPORT_BUCKET=$EXPORT_BUCKET,SQS_QUEUE_URL=$queue_url,SQS_PRIORITY_QUEUE_URL=$priority_url,SQS_DLQ_URL=$dlq_url}" \
    >/dev/null || echo "jobqueue: creating function $name failed (see the LocalStack log)"
  echo "jobqueue: function $name"
done
