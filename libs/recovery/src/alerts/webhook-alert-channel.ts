import { randomUUID } from 'node:crypto';
import { ConfigError } from '@app/config';
import { Logger } from '@nestjs/common';
import { Agent, RetryAgent, request } from 'undici';
import type { Alert } from './alert';
import { AlertChannel } from './alert-channel';
import { DeliveryQueue } from './delivery-queue';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from './webhook-signature';

export interface WebhookAlertChannelOptions {
  /** ALERT_WEBHOOK_URL. */
  url: string;
  /** ALERT_WEBHOOK_SECRET, at least 16 characters. */
  secret: string;
  /** Alerts waiting for delivery before new ones are dropped with a warning. Default 1000. */
  capacity?: number;
  /** Deliveries in flight at once. Default 4. */
  concurrency?: number;
  /** Retries after the first try, on network errors, 429 and 5xx. Default 5. */
  maxRetries?: number;
  /** Delay before the first retry, in ms; doubled on each retry. Default 500. */
  minRetryDelayMs?: number;
  /** Longest delay between two tries, in ms (a Retry-After header is honoured up to it). Default 10 000. */
  maxRetryDelayMs?: number;
  /** Connect, response-headers and body timeout of one try, in ms. Default 10 000. */
  timeoutMs?: number;
  /** The clock of the signature timestamp (ms since the epoch). */
  now?: () => number;
}

/** Network failures worth another try: undici's defaults plus its timeouts. */
const RETRIED_ERROR_CODES = [
  'ECONNRESET',
  'ECONNREFUSED',
  'ENOTFOUND',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
];

/**
 * POSTs each alert as JSON to ALERT_WEBHOOK_URL, signed with ALERT_WEBHOOK_SECRET (scheme in
 * webhook-signature.ts and README "Alerts").
 *
 * Delivery is asynchronous: `send` puts the alert in a bounded in-memory queue and returns, so a
 * slow or dead receiver never holds up job processing; a full queue drops the alert with a
 * warning. Each delivery is retried by undici's RetryAgent with exponential backoff on network
 * errors, 429 and 5xx; every try carries the same body, timestamp and signature, so a receiver
 * can treat `X-Jobqueue-Delivery` as an idempotency key. Any other answer (a 4xx) is final.
 *
 * The trade-off: alerts live in memory, so those still queued when the process dies are lost.
 * The log channel has already written them, and the job's state and DLQ message are in durable
 * storage; the webhook is a notification, not a record.
 */
export class WebhookAlertChannel extends AlertChannel {
  readonly name = 'webhook';
  private readonly logger = new Logger(WebhookAlertChannel.name);
  private readonly url: string;
  private readonly secret: string;
  private readonly now: () => number;
  private readonly capacity: number;
  private readonly agent: Agent;
  private readonly dispatcher: RetryAgent;
  private readonly queue: DeliveryQueue<Alert>;
  private dropped = 0;

  constructor(opts: WebhookAlertChannelOptions) {
    super();
    if (opts.secret.length < 16)
      throw new ConfigError(['ALERT_WEBHOOK_SECRET must be at least 16 characters long']);
    if (!/^https?:\/\//.test(opts.url))
      throw new ConfigError([`ALERT_WEBHOOK_URL must be an http(s) URL (got "${opts.url}")`]);
    this.url = opts.url;
    this.secret = opts.secret;
    this.now = opts.now ?? Date.now;
    this.capacity = opts.capacity ?? 1000;
    const timeout = opts.timeoutMs ?? 10_000;
    this.agent = new Agent({
      connect: { timeout },
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    this.dispatcher = new RetryAgent(this.agent, {
      methods: ['POST'],
      maxRetries: opts.maxRetries ?? 5,
      minTimeout: opts.minRetryDelayMs ?? 500,
      maxTimeout: opts.maxRetryDelayMs ?? 10_000,
      timeoutFactor: 2,
      statusCodes: [429, 500, 502, 503, 504],
      errorCodes: RETRIED_ERROR_CODES,
    });
    this.queue = new DeliveryQueue<Alert>({
      capacity: this.capacity,
      concurrency: opts.concurrency ?? 4,
      deliver: (alert, signal) => this.deliver(alert, signal),
      onError: (alert, error) =>
        this.logger.warn(
          `webhook alert ${alert.event}${alert.jobId ? ` for job ${alert.jobId}` : ''} was not delivered: ${describe(error)}`,
        ),
    });
  }

  send(alert: Alert): void {
    if (this.queue.offer(alert)) return;
    this.dropped++;
    this.logger.warn(
      `webhook alert queue is full (${this.capacity} waiting) or closed; dropped ${alert.event}${alert.jobId ? ` for job ${alert.jobId}` : ''} (${this.dropped} dropped so far)`,
    );
  }

  override async close(graceMs: number): Promise<void> {
    const left = await this.queue.close(graceMs);
    if (left > 0)
      this.logger.warn(`${left} webhook alerts were still undelivered at shutdown; dropped`);
    await this.dispatcher.destroy().catch(() => undefined);
  }

  private async deliver(alert: Alert, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify(alert);
    const { timestamp, signature } = signWebhook(body, this.secret, this.now() / 1000);
    const response = await request(this.url, {
      method: 'POST',
      dispatcher: this.dispatcher,
      signal,
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'jobqueue-alerts/1',
        'x-jobqueue-event': alert.event,
        'x-jobqueue-delivery': randomUUID(),
        [TIMESTAMP_HEADER.toLowerCase()]: timestamp,
        [SIGNATURE_HEADER.toLowerCase()]: signature,
      },
    });
    await response.body.dump();
    if (response.statusCode >= 300)
      throw new Error(`the receiver answered HTTP ${response.statusCode}`);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { statusCode?: unknown }).statusCode;
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${typeof status === 'number' ? ` (HTTP ${status})` : ''}${typeof code === 'string' ? ` [${code}]` : ''}${cause}`;
}
