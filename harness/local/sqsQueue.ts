/**
 * The failed-batches queue (SQS) as `npm run redrive` and `npm run replay -- --from-queue` read it,
 * through the AWS SDK's `SQSClient`: its credential chain (the profile, the environment, SSO, ...),
 * its retries, and `AWS_ENDPOINT_URL_SQS` for a stand-in.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from "@aws-sdk/client-sqs";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import type { BrowsableQueue, FailedBatchQueue, QueuedMessage } from "./redrive";

export interface SqsQueueOptions {
  /** The queue's region; the SDK's default (AWS_REGION, the profile) unless given. */
  readonly region?: string;
  /** The SDK's default chain unless given. */
  readonly credentials?: AwsCredentialIdentityProvider;
  /** Seconds a received message stays hidden from other readers while its records are redriven. */
  readonly visibilityTimeoutSeconds?: number;
}

/** Seconds a message read by `browse` stays hidden at most, should it fail to release it. */
const browseVisibilitySeconds = 60;

/** SQS's largest batch, for ReceiveMessage and ChangeMessageVisibilityBatch. */
const sqsBatch = 10;

/** One SQS queue, by URL. */
export class SqsQueue implements FailedBatchQueue, BrowsableQueue {
  private readonly client: SQSClient;

  public constructor(
    public readonly queueUrl: string,
    private readonly options: SqsQueueOptions = {},
  ) {
    this.client = new SQSClient({
      region: options.region,
      credentials: options.credentials,
      // The SDK sends each call to the queue URL's host, even over AWS_ENDPOINT_URL_SQS; the
      // variable must win, as it does for every other client here.
      useQueueUrlAsEndpoint: process.env.AWS_ENDPOINT_URL_SQS === undefined,
    });
  }

  public receive(max: number): Promise<QueuedMessage[]> {
    return this.receiveHidden(max, this.options.visibilityTimeoutSeconds ?? 900);
  }

  public async delete(message: QueuedMessage): Promise<void> {
    await this.client.send(
      new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.receiptHandle }),
    );
  }

  /**
   * Every message the queue holds now, left in it: SQS can only read a message by receiving it,
   * so each is received (hidden for a moment), and all are made visible again at once after the
   * last is read, for redrive or the next reader. Messages another reader holds hidden (a redrive
   * under way) are not seen.
   */
  public async browse(): Promise<QueuedMessage[]> {
    const seen = new Map<string, QueuedMessage>();
    try {
      for (;;) {
        const messages = await this.receiveHidden(sqsBatch, browseVisibilitySeconds);
        const fresh = messages.filter((message) => !seen.has(message.id));
        for (const message of messages) seen.set(message.id, message);
        if (fresh.length === 0) break;
      }
    } finally {
      await this.release([...seen.values()]);
    }
    return [...seen.values()];
  }

  /** Closes the client's sockets. */
  public destroy(): void {
    this.client.destroy();
  }

  private async receiveHidden(max: number, visibilityTimeout: number): Promise<QueuedMessage[]> {
    const { Messages } = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: Math.max(1, Math.min(sqsBatch, max)),
        WaitTimeSeconds: 1,
        VisibilityTimeout: visibilityTimeout,
      }),
    );
    return (Messages ?? []).map(queuedMessage);
  }

  /** Makes the messages visible again at once. */
  private async release(messages: readonly QueuedMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += sqsBatch) {
      await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: messages.slice(start, start + sqsBatch).map((message, i) => ({
            Id: String(start + i),
            ReceiptHandle: message.receiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }
}

function queuedMessage(message: Message): QueuedMessage {
  return {
    id: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
  };
}
