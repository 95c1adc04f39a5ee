import { expect } from "chai";
import { ListTablesCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { localAws, startDynalite, type Emulator } from "../../../harness/local/localStack";
import { startOutageProxy, type OutageProxy } from "../../../harness/local/outageProxy";

describe("the outage proxy in front of dynalite", () => {
  let dynamo: Emulator;
  let proxy: OutageProxy;
  let client: DynamoDBClient;

  before(async () => {
    dynamo = await startDynalite();
    proxy = await startOutageProxy(dynamo.port);
    client = new DynamoDBClient({ ...localAws, endpoint: proxy.endpoint, maxAttempts: 1 });
  });
  after(async () => {
    client.destroy();
    await proxy.close();
    await dynamo.close();
  });

  it("passes requests through while up, fails them while down, and recovers when up again", async () => {
    const before = await client.send(new ListTablesCommand({}));

    proxy.down();
    const during = await client.send(new ListTablesCommand({})).then(
      () => "answered",
      (error: Error) => error.name,
    );
    proxy.up();
    const after = await client.send(new ListTablesCommand({}));

    expect(before.TableNames).to.deep.equal([]);
    expect(during).to.not.equal("answered");
    expect(after.TableNames).to.deep.equal([]);
  });

  it("goes down at the chosen request, before forwarding it, and counts the requests it receives", async () => {
    const answered = async (): Promise<boolean> =>
      client.send(new ListTablesCommand({})).then(
        () => true,
        () => false,
      );
    const before = proxy.requests;

    proxy.downAtRequest(3);
    const outcomes = [await answered(), await answered(), await answered(), await answered()];
    const down = proxy.isDown;
    proxy.up();

    expect(outcomes).to.deep.equal([true, true, false, false]);
    expect(down).to.equal(true);
    expect(proxy.requests - before).to.equal(3);
    expect(await answered()).to.equal(true);
  });
});
