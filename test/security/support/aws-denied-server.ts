import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An account id and role the way AWS puts them into an AccessDenied message. */
export const DENIED_ARN = 'arn:aws:sts::123456789012:assumed-role/jobqueue-api/i-0abc123def';

/**
 * An HTTP endpoint that refuses every AWS call the way AWS does for a role that lacks a
 * permission, its message naming the caller's ARN: JSON-protocol calls (SQS, Lambda: POST) get
 * 400 AccessDeniedException, S3's REST calls (GET, PUT, HEAD) 403 AccessDenied in XML. Points an
 * SDK client at an error text that must never reach a user.
 */
export async function startAwsDeniedServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method !== 'POST') {
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>User: ${DENIED_ARN} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::secret-bucket/key" because no identity-based policy allows the s3:GetObject action</Message><RequestId>R1</RequestId></Error>`,
        );
        return;
      }
      const message = `User: ${DENIED_ARN} is not authorized to perform: sqs:getqueueattributes on resource: arn:aws:sqs:us-east-1:123456789012:secret-queue because no identity-based policy allows the sqs:getqueueattributes action`;
      res.writeHead(400, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-query-error': 'AccessDenied;Sender',
      });
      res.end(
        JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A queue section whose work queue and DLQ live on the refusing endpoint. */
export function deniedQueue<Q extends object>(queue: Q, url: string): Q {
  return {
    ...queue,
    endpoint: url,
    queueUrl: `${url}/123456789012/secret-queue`,
    dlqUrl: `${url}/123456789012/secret-queue-dlq`,
  };
}
