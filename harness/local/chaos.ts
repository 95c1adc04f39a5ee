/**
 * Failure injection for `npm start --chaos`: delivery failures of every kind KDA can meet with a
 * Lambda output, decided by a seeded random source so a chaos run can be repeated.
 */
import { seededRandomInt, type RandomInt } from "../simulator/random";
import type { DeliverFunction } from "./deliveryOutput";

/** Chances per invocation, in percent. */
export interface DeliveryChaos {
  /** The function is never run (throttled, or the invocation errors): every record fails. */
  readonly refuseInvocationPct: number;
  /** The function runs and writes, but its answer is lost (timeout): every record is redelivered. */
  readonly loseResponsePct: number;
  /** The function answers, but one record's answer is missing: that record counts as failed. */
  readonly dropAnswerPct: number;
}

/** Low enough that redelivery backoff keeps a chaos run short, high enough to recur in long runs. */
export const defaultDeliveryChaos: DeliveryChaos = {
  refuseInvocationPct: 5,
  loseResponsePct: 5,
  dropAnswerPct: 10,
};

/** What was injected, for the run's log. */
export interface ChaosStats {
  refusedInvocations: number;
  lostResponses: number;
  droppedAnswers: number;
}

/** Thrown in place of an invocation's result when chaos decides the invocation failed. */
export class InjectedFailure extends Error {
  override readonly name = "InjectedFailure";
}

type Failure = "refuse" | "lose" | "drop";

/**
 * Every chaos run starts with one failure of each kind, so a short run exercises all of them;
 * after that, failures are random.
 */
const openingFailures: readonly Failure[] = ["refuse", "lose", "drop"];

/**
 * Wraps `deliver` so that invocations fail: the first three with one failure of each kind, the
 * rest at random as `seed` decides.
 */
export function chaoticDelivery(
  deliver: DeliverFunction,
  seed: number,
  stats: ChaosStats,
  chaos: DeliveryChaos = defaultDeliveryChaos,
): DeliverFunction {
  const random: RandomInt = seededRandomInt(seed);
  let invocation = 0;
  const decide = (failure: Failure, pct: number): boolean => {
    const scripted = openingFailures[invocation - 1];
    return scripted !== undefined ? scripted === failure : random(100) < pct;
  };
  return async (event) => {
    invocation++;
    if (decide("refuse", chaos.refuseInvocationPct)) {
      stats.refusedInvocations++;
      throw new InjectedFailure("Rate Exceeded (injected throttle)");
    }
    const response = await deliver(event);
    if (decide("lose", chaos.loseResponsePct)) {
      stats.lostResponses++;
      throw new InjectedFailure("Task timed out (injected, after the function ran)");
    }
    if (response.records.length > 0 && decide("drop", chaos.dropAnswerPct)) {
      stats.droppedAnswers++;
      const dropped = random(response.records.length);
      return { records: response.records.filter((_, i) => i !== dropped) };
    }
    return response;
  };
}
