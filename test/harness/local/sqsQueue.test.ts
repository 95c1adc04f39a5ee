/**
 * The failed-batches queue's client (the AWS SDK's SQSClient) against a stand-in SQS on loopback:
 * redrive receives and deletes; replay browses, leaving every message in the queue.
 */
import { expect } from "chai";
import { SqsQueue } from "../../../harness/local/sqsQueue";
import { startSqsStandIn, type SqsStandIn } from "../../support/sqsStandIn";

const credentials = () =>
  Promise.resolve({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" });

describe("the failed-batches queue's SQS client", () => {
  let sqs: SqsStandIn;
  const savedEndpoint = process.env.AWS_ENDPOINT_URL_SQS;

  before(async () => {
    sqs = await startSqsStandIn();
    process.env.AWS_ENDPOINT_URL_SQS = sqs.endpoint;
  });

  after(async () => {
    if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_SQS;
    else process.env.AWS_ENDPOINT_URL_SQS = savedEndpoint;
    await sqs.close();
  });

  const open = (url: string) =>
    new SqsQueue(url, { region: "us-west-2", credentials, visibilityTimeoutSeconds: 600 });

  it("receives messages hidden for the visibility timeout and deletes one, each call signed", async () => {
    // Prepare
    const url = sqs.createQueue("receive", ['{"a":1}', '{"a":2}']);
    const queue = open(url);
    try {
      // Act
      const messages = await queue.receive(25);
      const again = await queue.receive(25);
      await queue.delete(messages[0]);
      // Assess
      expect(messages.map((m) => m.body)).to.deep.equal(['{"a":1}', '{"a":2}']);
      expect(again).to.deep.equal([]);
      expect(sqs.bodies(url)).to.deep.equal(['{"a":2}']);
      const calls = sqs.calls.filter((c) => c.body.QueueUrl === url);
      expect(calls[0]).to.deep.include({
        operation: "ReceiveMessage",
        body: {
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 600,
        },
      });
      for (const call of calls) {
        expect(call.authorization).to.match(
          /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-west-2\/sqs\/aws4_request, SignedHeaders=.*, Signature=[0-9a-f]{64}$/,
        );
      }
    } finally {
      queue.destroy();
    }
  });

  it("browses every message, more than one receive's worth, and leaves all of them visible", async () => {
    // Prepare: the queue's URL on AWS's host; AWS_ENDPOINT_URL_SQS sends the calls to the stand-in
    const bodies = Array.from({ length: 23 }, (_, i) => `{"n":${i}}`);
    sqs.createQueue("browse", bodies);
    const url = "https://sqs.us-west-2.amazonaws.com/000000000000/browse";
    const queue = open(url);
    try {
      // Act
      const browsed = await queue.browse();
      const received = await queue.receive(10);
      // Assess
      expect(browsed.map((m) => m.body).sort()).to.deep.equal([...bodies].sort());
      expect(received).to.have.length(10);
      expect(sqs.bodies(url)).to.have.length(23);
    } finally {
      queue.destroy();
    }
  });

  it("throws SQS's error by its name when the queue does not exist", async () => {
    const queue = open(`${sqs.endpoint}/000000000000/missing`);
    try {
      let thrown: unknown;
      await queue.browse().catch((error: unknown) => (thrown = error));
      expect(thrown).to.be.instanceOf(Error);
      expect((thrown as Error).name).to.equal("QueueDoesNotExist");
      expect((thrown as Error).message).to.equal("The specified queue does not exist.");
    } finally {
      queue.destroy();
    }
  });
});
