/**
 * The failed-batches queue (SQS) as `npm run redrive` reads it: receive messages, delete the ones
 * whose records are applied. Three calls of SQS's JSON protocol, signed with the AWS SDK's own
 * SigV4 signer and credential chain (the profile, the environment, SSO, ...).
 *
 * Hand-made because `@aws-sdk/client-sqs` is not a dependency of this repository (adding one is
 * not this change's to make); with it, this module is `SQSClient` with `ReceiveMessageCommand`,
 * `DeleteMessageCommand` and `GetQueueUrlCommand`, and nothing else changes.
 */
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentityProvider, SourceData } from "@smithy/types";
import type { FailedBatchQueue, QueuedMessage } from "./redrive";

/** SHA-256 and HMAC-SHA-256 over Node's crypto, in the shape the SigV4 signer takes. */
class Sha256 {
  private readonly hash: Hash | Hmac;

  public constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }

  public update(data: SourceData): void {
    this.hash.update(bytes(data));
  }

  public digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Thrown when SQS answers an error; names the call, SQS's error type and message. */
export class SqsError extends Error {
  public override readonly name = "SqsError";
}

export interface SqsQueueOptions {
  readonly region: string;
  /** `https://sqs.<region>.amazonaws.com` unless given (a local stand-in, a VPC endpoint). */
  readonly endpoint?: string;
  readonly credentials?: AwsCredentialIdentityProvider;
  /** Seconds a received message stays hidden from other readers while its records are redriven. */
  readonly visibilityTimeoutSeconds?: number;
}

/** One SQS queue, by URL. */
export class SqsQueue implements FailedBatchQueue {
  private readonly signer: SignatureV4;
  private readonly endpoint: URL;

  public constructor(
    public readonly queueUrl: string,
    private readonly options: SqsQueueOptions,
  ) {
    this.endpoint = new URL(options.endpoint ?? `https://sqs.${options.region}.amazonaws.com`);
    this.signer = new SignatureV4({
      service: "sqs",
      region: options.region,
      credentials: options.credentials ?? defaultProvider(),
      sha256: Sha256,
    });
  }

  /** The URL of the queue named `name` (GetQueueUrl). */
  public static async named(name: string, options: SqsQueueOptions): Promise<SqsQueue> {
    const probe = new SqsQueue("", options);
    const { QueueUrl } = (await probe.call("GetQueueUrl", { QueueName: name })) as {
      QueueUrl?: string;
    };
    if (typeof QueueUrl !== "string") {
      throw new SqsError(`GetQueueUrl of ${name} answered no QueueUrl`);
    }
    return new SqsQueue(QueueUrl, options);
  }

  public async receive(max: number): Promise<QueuedMessage[]> {
    const { Messages } = (await this.call("ReceiveMessage", {
      QueueUrl: this.queueUrl,
      MaxNumberOfMessages: Math.max(1, Math.min(10, max)),
      WaitTimeSeconds: 1,
      VisibilityTimeout: this.options.visibilityTimeoutSeconds ?? 900,
    })) as { Messages?: { MessageId?: string; ReceiptHandle?: string; Body?: string }[] };
    return (Messages ?? []).map((m) => ({
      id: m.MessageId ?? "",
      receiptHandle: m.ReceiptHandle ?? "",
      body: m.Body ?? "",
    }));
  }

  public async delete(message: QueuedMessage): Promise<void> {
    await this.call("DeleteMessage", {
      QueueUrl: this.queueUrl,
      ReceiptHandle: message.receiptHandle,
    });
  }

  /** One signed call of SQS's JSON protocol (`AmazonSQS.<operation>`). */
  private async call(operation: string, input: Record<string, unknown>): Promise<unknown> {
    const body = JSON.stringify(input);
    const signed = await this.signer.sign({
      method: "POST",
      protocol: this.endpoint.protocol,
      hostname: this.endpoint.hostname,
      port: this.endpoint.port === "" ? undefined : Number(this.endpoint.port),
      path: this.endpoint.pathname,
      query: {},
      headers: {
        host: this.endpoint.host,
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": `AmazonSQS.${operation}`,
      },
      body,
    });
    const response = await fetch(this.endpoint, {
      method: "POST",
      headers: signed.headers,
      body,
    });
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      parsed = {};
    }
    if (!response.ok) {
      const type = String(parsed.__type ?? response.status)
        .split("#")
        .at(-1);
      const message = String(parsed.message ?? parsed.Message ?? text);
      throw new SqsError(`SQS ${operation} failed: ${type}: ${message}`);
    }
    return parsed;
  }
}
