import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { FunctionEvent } from './function-event';
import {
  FunctionInvoker,
  type InvocationOutcome,
  type InvocationRequest,
} from './function-invoker';
import { functionFailure, serviceFailure } from './invocation-errors';

export interface AwsLambdaInvokerOptions {
  /** The local Lambda endpoint, or unset for AWS. */
  endpoint?: string;
  region: string;
  /** The functions' configured timeout, in ms: a RequestResponse call may take that long. */
  timeoutMs: number;
}

/** Room beyond the function's timeout for Lambda to answer (cold start, response transfer). */
const SOCKET_MARGIN_MS = 30_000;

/**
 * FunctionInvoker over the Lambda Invoke API. The SDK makes one attempt only (maxAttempts 1): a
 * RequestResponse call that the SDK retried after a socket error would run the job twice, and
 * throttling is retried by the job's own backoff instead. The socket may idle as long as the
 * function may run.
 */
export class AwsLambdaInvoker extends FunctionInvoker {
  private readonly client: LambdaClient;

  constructor(options: AwsLambdaInvokerOptions) {
    super();
    this.client = new LambdaClient({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({
        connectionTimeout: 10_000,
        requestTimeout: options.timeoutMs + SOCKET_MARGIN_MS,
      }),
    });
  }

  async invoke({
    functionName,
    event,
    invocationType,
    signal,
  }: InvocationRequest): Promise<InvocationOutcome> {
    let response;
    try {
      response = await this.client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: invocationType,
          LogType: invocationType === 'RequestResponse' ? 'Tail' : 'None',
          Payload: Buffer.from(JSON.stringify(event satisfies FunctionEvent)),
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      if (signal?.aborted) throw error;
      return { ok: false, ...serviceFailure(error) };
    }
    const requestId = response.$metadata.requestId;
    const logTail = response.LogResult
      ? Buffer.from(response.LogResult, 'base64').toString('utf8')
      : undefined;
    const text = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
    const body = parseJson(text);
    if (response.FunctionError) return { ok: false, ...functionFailure(body), requestId, logTail };
    return { ok: true, result: body, requestId, logTail };
  }

  onModuleDestroy(): void {
    this.client.destroy();
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
