/**
 * The failed-batches queue's client speaks SQS's JSON protocol: checked against a stand-in SQS on
 * loopback that records each call and answers as SQS does.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { SqsError, SqsQueue } from "../../../harness/local/sqsQueue";

interface Call {
  readonly target: string;
  readonly authorization: string;
  readonly contentType: string;
  readonly body: Record<string, unknown>;
}

/** A stand-in SQS answering each operation with `answers[operation]` (status 200 unless given). */
async function fakeSqs(
  answers: Record<string, { status?: number; body: unknown }>,
): Promise<{ endpoint: string; calls: Call[]; close(): Promise<void> }> {
  const calls: Call[] = [];
  const server = http.createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    request.on("end", () => {
      const target = String(request.headers["x-amz-target"]);
      calls.push({
        target,
        authorization: String(request.headers.authorization),
        contentType: String(request.headers["content-type"]),
        body: JSON.parse(text) as Record<string, unknown>,
      });
      const answer = answers[target.replace("AmazonSQS.", "")] ?? { status: 500, body: {} };
      response.writeHead(answer.status ?? 200, { "content-type": "application/x-amz-json-1.0" });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const options = (endpoint: string) => ({
  region: "us-west-2",
  endpoint,
  credentials: () => Promise.resolve({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" }),
  visibilityTimeoutSeconds: 600,
});

describe("the failed-batches queue's SQS client", () => {
  it("finds the queue by name, receives messages hidden for the visibility timeout and deletes one, each call signed", async () => {
    // Prepare
    const url = "https://sqs.us-west-2.amazonaws.com/123456789012/dev-failed-batches";
    const sqs = await fakeSqs({
      GetQueueUrl: { body: { QueueUrl: url } },
      ReceiveMessage: {
        body: { Messages: [{ MessageId: "m1", ReceiptHandle: "r1", Body: '{"a":1}' }] },
      },
      DeleteMessage: { body: {} },
    });
    try {
      // Act
      const queue = await SqsQueue.named("dev-failed-batches", options(sqs.endpoint));
      const messages = await queue.receive(25);
      await queue.delete(messages[0]);
      // Assess
      expect(queue.queueUrl).to.equal(url);
      expect(messages).to.deep.equal([{ id: "m1", receiptHandle: "r1", body: '{"a":1}' }]);
      expect(sqs.calls.map((c) => [c.target, c.body])).to.deep.equal([
        ["AmazonSQS.GetQueueUrl", { QueueName: "dev-failed-batches" }],
        [
          "AmazonSQS.ReceiveMessage",
          { QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 600 },
        ],
        ["AmazonSQS.DeleteMessage", { QueueUrl: url, ReceiptHandle: "r1" }],
      ]);
      for (const call of sqs.calls) {
        expect(call.contentType).to.equal("application/x-amz-json-1.0");
        expect(call.authorization).to.match(
          /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-west-2\/sqs\/aws4_request, SignedHeaders=.*x-amz-target.*, Signature=[0-9a-f]{64}$/,
        );
      }
    } finally {
      await sqs.close();
    }
  });

  it("throws an error naming the call and SQS's error when SQS refuses", async () => {
    const sqs = await fakeSqs({
      ReceiveMessage: {
        status: 400,
        body: {
          __type: "com.amazonaws.sqs#QueueDoesNotExist",
          message: "The specified queue does not exist.",
        },
      },
    });
    try {
      const queue = new SqsQueue("https://sqs.us-west-2.amazonaws.com/1/q", options(sqs.endpoint));
      let thrown: unknown;
      await queue.receive(1).catch((error: unknown) => (thrown = error));
      expect(thrown).to.be.instanceOf(SqsError);
      expect((thrown as Error).message).to.equal(
        "SQS ReceiveMessage failed: QueueDoesNotExist: The specified queue does not exist.",
      );
    } finally {
      await sqs.close();
    }
  });
});
