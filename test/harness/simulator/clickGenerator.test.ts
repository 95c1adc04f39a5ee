import { expect } from "chai";
import {
  ClickStreamOptionError,
  generateClicks,
  labClickStream,
  type ClickStreamOptions,
} from "../../../harness/simulator/clickGenerator";
import { resolveClickStream, seededStartMs } from "../../../harness/simulator/clickStreamConfig";

const options = (overrides: Partial<ClickStreamOptions> = {}): ClickStreamOptions => ({
  ...labClickStream,
  seed: 42,
  startMs: 1_700_000_000_000,
  ...overrides,
});

describe("the click generator", () => {
  it("gives the same clicks for the same seed", () => {
    const first = [...generateClicks(options({ count: 500 }))];
    const second = [...generateClicks(options({ count: 500 }))];
    expect(second).to.deep.equal(first);
  });

  it("gives different clicks for a different seed", () => {
    const users = (seed: number) =>
      [...generateClicks(options({ seed, count: 50 }))].map((c) => c.record.user_id).join();
    expect(users(1)).to.not.equal(users(2));
  });

  it("spaces clicks 2 s apart and pauses 15 s after every 60th click, as the lab's loop sleeps", () => {
    const clicks = [...generateClicks(options({ count: 181 }))];
    const gaps = clicks.slice(1).map((c, i) => {
      return Number(c.record.event_timestamp) - Number(clicks[i].record.event_timestamp);
    });
    const longGapsAfter = gaps.flatMap((gap, i) => (gap === 15000 ? [i + 1] : []));
    expect(longGapsAfter).to.deep.equal([60, 120, 180]);
    expect(gaps.filter((gap) => gap !== 15000).every((gap) => gap === 2000)).to.equal(true);
    expect(clicks[59].pauseAfterMs).to.equal(15000);
    expect(clicks[58].pauseAfterMs).to.equal(2000);
  });

  it("writes the lab template's fields in its order with epoch-millisecond strings", () => {
    const [click] = generateClicks(options({ count: 1 }));
    expect(Object.keys(click.record)).to.deep.equal([
      "user_id",
      "event_timestamp",
      "event_name",
      "event_type",
      "device_type",
    ]);
    expect(click.record.event_timestamp).to.equal("1700000000000");
    expect(click.record.event_type).to.equal("click");
    expect(click.record.device_type).to.equal("desktop");
  });

  it("picks users, event names and devices only from the given lists, and uses all of them", () => {
    const clicks = [
      ...generateClicks(options({ count: 600, devices: ["desktop", "mobile", "tablet"] })),
    ];
    const seen = (field: "user_id" | "event_name" | "device_type") =>
      [...new Set(clicks.map((c) => c.record[field]))].sort();
    expect(seen("user_id")).to.deep.equal(["user1", "user2", "user3"]);
    expect(seen("event_name")).to.deep.equal([...labClickStream.eventNames].sort());
    expect(seen("device_type")).to.deep.equal(["desktop", "mobile", "tablet"]);
  });

  it("refuses an empty user list, naming the field", () => {
    expect(() => [...generateClicks(options({ users: [] }))]).to.throw(
      ClickStreamOptionError,
      "users is empty",
    );
  });

  it("refuses a count of zero, naming the field and the value", () => {
    expect(() => [...generateClicks(options({ count: 0 }))]).to.throw(
      ClickStreamOptionError,
      "count is 0; expected an integer of at least 1",
    );
  });
});

describe("the click-stream options", () => {
  it("fixes the start time when a seed is given, so the seed alone reproduces the stream", () => {
    const resolved = resolveClickStream({ seed: 7 }, () => 1_800_000_000_123);
    expect(resolved.startMs).to.equal(seededStartMs);
    expect(resolved.seed).to.equal(7);
  });

  it("starts at the current whole second when no seed is given", () => {
    const resolved = resolveClickStream(
      {},
      () => 1_800_000_000_123,
      () => 5,
    );
    expect(resolved.startMs).to.equal(1_800_000_000_000);
    expect(resolved.seed).to.equal(5);
  });

  it("defaults to the lab's users, event names, device and 3000 events", () => {
    const resolved = resolveClickStream({ seed: 1 });
    expect(resolved.users).to.deep.equal(["user1", "user2", "user3"]);
    expect(resolved.eventNames).to.deep.equal([
      "checkout",
      "search",
      "category",
      "detail",
      "navigate",
    ]);
    expect(resolved.devices).to.deep.equal(["desktop"]);
    expect(resolved.count).to.equal(3000);
  });

  it("takes what a command line gave over the lab's defaults", () => {
    const resolved = resolveClickStream({
      seed: 3,
      events: 10,
      users: ["a", "b"],
      eventNames: ["view"],
      devices: ["mobile"],
      start: 1_700_000_000_000,
    });
    expect(resolved).to.include({ seed: 3, count: 10, startMs: 1_700_000_000_000 });
    expect([resolved.users, resolved.eventNames, resolved.devices]).to.deep.equal([
      ["a", "b"],
      ["view"],
      ["mobile"],
    ]);
  });
});
