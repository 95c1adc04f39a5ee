/**
 * Fault injection for PutRecords on a real Kinesis client (talking to kinesalite, which never fails a
 * record): the middleware withholds chosen records from the request and reports them as failed, or
 * refuses whole calls as throttled, exactly as the service's answers look.
 */
import type {
  KinesisClient,
  PutRecordsCommandOutput,
  PutRecordsInput,
} from "@aws-sdk/client-kinesis";

export interface PutRecordsFaultPlan {
  /** For call n (1-based): indexes within that call's records to report as failed. */
  readonly failRecords?: (call: number) => readonly number[];
  /** For call n: refuse the call with ProvisionedThroughputExceededException. */
  readonly throttleCall?: (call: number) => boolean;
}

/** Installs the plan; returns the list of record counts per PutRecords call as the service saw it. */
export function injectPutRecordsFaults(client: KinesisClient, plan: PutRecordsFaultPlan): number[] {
  const callSizes: number[] = [];
  let call = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== "PutRecordsCommand") return next(args);
      call++;
      const input = args.input as PutRecordsInput;
      const records = input.Records ?? [];
      if (plan.throttleCall?.(call)) {
        const error = new Error("Rate exceeded for shard (injected)");
        error.name = "ProvisionedThroughputExceededException";
        throw error;
      }
      const failed = new Set(plan.failRecords?.(call) ?? []);
      const kept = records.filter((_, i) => !failed.has(i));
      callSizes.push(kept.length);
      // Kinesis refuses an empty Records list, so a call whose records all "fail" is not sent.
      const result =
        kept.length > 0
          ? await next({ ...args, input: { ...input, Records: kept } })
          : { output: { $metadata: {}, Records: [] }, response: {} };
      const output = result.output as PutRecordsCommandOutput;
      const answers = [...(output.Records ?? [])];
      const merged = records.map((_, i) =>
        failed.has(i)
          ? { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "injected" }
          : answers.shift(),
      );
      return {
        ...result,
        output: { ...output, FailedRecordCount: failed.size, Records: merged },
      };
    },
    { step: "initialize", name: "putRecordsFaults" },
  );
  return callSizes;
}
