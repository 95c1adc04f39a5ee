/**
 * A stand-in SQS on loopback for the failed-batches queue's tests: one or more queues in memory,
 * served over SQS's JSON protocol (the AWS SDK's `SQSClient` speaks it) with the behaviour the
 * queue's readers rely on: visibility timeouts, a fresh receipt handle per receive, MD5OfBody
 * (which the SDK checks), deletion by receipt handle, and SQS's error for an unknown queue. Queues
 * are known by name, whatever host their URL names. No
 * SQS emulator is a dependency of this repository, so this is the one hand-made stand-in; every
 * call is recorded, with its signature, for the tests to look at.
 */
import { createHash, randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** One call as the stand-in received it. */
export interface SqsCall {
  readonly operation: string;
  readonly authorization: string;
  readonly body: Record<string, unknown>;
}

interface StoredMessage {
  readonly id: string;
  readonly body: string;
  receiptHandle: string;
  visibleAt: number;
}

export interface SqsStandIn {
  /** `http://127.0.0.1:<port>`: for AWS_ENDPOINT_URL_SQS. */
  readonly endpoint: string;
  readonly calls: SqsCall[];
  /** Creates a queue holding `bodies`; returns its URL on the stand-in's host. */
  createQueue(name: string, bodies?: readonly string[]): string;
  /** The bodies a queue holds, hidden or not. */
  bodies(queueUrl: string): string[];
  /** The ids of a queue's messages, in the order of `bodies`. */
  messageIds(queueUrl: string): string[];
  close(): Promise<void>;
}

type Answer = { status: number; body: unknown };

const jsonError = (type: string, message: string): Answer => ({
  status: 400,
  body: { __type: `com.amazonaws.sqs#${type}`, message },
});

export async function startSqsStandIn(): Promise<SqsStandIn> {
  const calls: SqsCall[] = [];
  const queues = new Map<string, StoredMessage[]>();
  let endpoint = "";

  const operations: Record<string, (input: Record<string, unknown>) => Answer> = {
    ReceiveMessage(input) {
      const queue = queueOf(input.QueueUrl);
      if (queue === undefined) return noSuchQueue();
      const now = Date.now();
      const max = Number(input.MaxNumberOfMessages ?? 1);
      const visible = queue.filter((m) => m.visibleAt <= now).slice(0, max);
      for (const message of visible) {
        message.receiptHandle = randomUUID();
        message.visibleAt = now + Number(input.VisibilityTimeout ?? 30) * 1000;
      }
      return {
        status: 200,
        body: {
          Messages: visible.map((m) => ({
            MessageId: m.id,
            ReceiptHandle: m.receiptHandle,
            Body: m.body,
            MD5OfBody: createHash("md5").update(m.body).digest("hex"),
          })),
        },
      };
    },
    DeleteMessage(input) {
      const queue = queueOf(input.QueueUrl);
      if (queue === undefined) return noSuchQueue();
      const at = queue.findIndex((m) => m.receiptHandle === input.ReceiptHandle);
      if (at < 0) return jsonError("ReceiptHandleIsInvalid", "The receipt handle is not valid.");
      queue.splice(at, 1);
      return { status: 200, body: {} };
    },
    ChangeMessageVisibilityBatch(input) {
      const queue = queueOf(input.QueueUrl);
      if (queue === undefined) return noSuchQueue();
      const entries = input.Entries as {
        Id: string;
        ReceiptHandle: string;
        VisibilityTimeout: number;
      }[];
      const Successful: { Id: string }[] = [];
      const Failed: { Id: string; Code: string; SenderFault: boolean }[] = [];
      for (const entry of entries) {
        const message = queue.find((m) => m.receiptHandle === entry.ReceiptHandle);
        if (message === undefined) {
          Failed.push({ Id: entry.Id, Code: "ReceiptHandleIsInvalid", SenderFault: true });
          continue;
        }
        message.visibleAt = Date.now() + entry.VisibilityTimeout * 1000;
        Successful.push({ Id: entry.Id });
      }
      return { status: 200, body: { Successful, Failed } };
    },
  };

  /** Queues are known by name: a URL on AWS's host reaches the stand-in over AWS_ENDPOINT_URL_SQS. */
  function queueOf(url: unknown): StoredMessage[] | undefined {
    return queues.get(String(url).split("/").at(-1)!);
  }

  function noSuchQueue(): Answer {
    return jsonError("QueueDoesNotExist", "The specified queue does not exist.");
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const operation = String(request.headers["x-amz-target"]).replace("AmazonSQS.", "");
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<
        string,
        unknown
      >;
      calls.push({ operation, authorization: String(request.headers.authorization), body });
      const answer =
        operations[operation]?.(body) ??
        jsonError("InvalidAction", `The stand-in does not answer ${operation}.`);
      response.writeHead(answer.status, { "content-type": "application/x-amz-json-1.0" });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    calls,
    createQueue(name, bodies = []) {
      queues.set(
        name,
        bodies.map((body) => ({ id: randomUUID(), body, receiptHandle: "", visibleAt: 0 })),
      );
      return `${endpoint}/000000000000/${name}`;
    },
    bodies: (queueUrl) => (queueOf(queueUrl) ?? []).map((m) => m.body),
    messageIds: (queueUrl) => (queueOf(queueUrl) ?? []).map((m) => m.id),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
