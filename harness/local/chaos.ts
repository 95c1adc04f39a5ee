/**
 * Failure injection for `npm start --chaos`: delivery failures of every kind KDA can meet with a
 * Lambda output, decided by a seeded random source so a chaos run can be repeated.
 */
import { seededRandom, type RandomInt } from "../simulator/random";
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

export const defaultDeliveryChaos: DeliveryChaos = {
  refuseInvocationPct: 15,
  loseResponsePct: 15,
  dropAnswerPct: 30,
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

/** Wraps `deliver` so that some invocations fail as decided by `seed`. */
export function chaoticDelivery(
  deliver: DeliverFunction,
  seed: number,
  stats: ChaosStats,
  chaos: DeliveryChaos = defaultDeliveryChaos,
): DeliverFunction {
  const random: RandomInt = seededRandom(seed);
  return async (event) => {
    if (random(100) < chaos.refuseInvocationPct) {
      stats.refusedInvocations++;
      throw new InjectedFailure("Rate Exceeded (injected throttle)");
    }
    const response = await deliver(event);
    if (random(100) < chaos.loseResponsePct) {
      stats.lostResponses++;
      throw new InjectedFailure("Task timed out (injected, after the function ran)");
    }
    if (response.records.length > 0 && random(100) < chaos.dropAnswerPct) {
      stats.droppedAnswers++;
      const dropped = random(response.records.length);
      return { records: response.records.filter((_, i) => i !== dropped) };
    }
    return response;
  };
}
