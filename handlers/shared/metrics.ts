/**
 * The handlers' own CloudWatch metrics as embedded metric format (EMF) log lines: one JSON object
 * per line on stdout, which CloudWatch Logs turns into metrics, so publishing costs no API call and
 * no IAM permission. Names and namespace are `handlerMetrics` in `sql/contracts.ts`; the alarms in
 * infra/ watch them.
 *
 * Written by hand because `@aws-lambda-powertools/metrics` is not a dependency of this repository
 * (only its logger is); the format is the small, documented one:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 * Lines go straight to stdout rather than through the logger, which with Lambda's JSON log format
 * is what keeps them top-level objects CloudWatch can read.
 */
import { handlerMetrics } from "../../sql/contracts";

/** Where a handler counts what happened; the delivery and the sessionizer take one. */
export interface MetricsSink {
  /** Adds `value` to the count `name` (one of `handlerMetrics`). */
  count(name: string, value: number): void;
}

/** Counts nothing: for callers that have no metrics (the local pipeline, benchmarks). */
export const noMetrics: MetricsSink = { count() {} };

/**
 * Writes every count at once as one EMF line, dimension `FunctionName`.
 *
 * @example new EmfMetrics("clickstream-dev-function").count("DeadLetters", 3)
 * // stdout: {"_aws":{"Timestamp":...,"CloudWatchMetrics":[{"Namespace":"ClickstreamSessionizer","Dimensions":[["FunctionName"]],"Metrics":[{"Name":"DeadLetters","Unit":"Count"}]}]},"FunctionName":"clickstream-dev-function","DeadLetters":3}
 */
export class EmfMetrics implements MetricsSink {
  public constructor(
    private readonly functionName: string,
    private readonly write: (line: string) => void = (line) => void process.stdout.write(line),
    private readonly now: () => number = Date.now,
  ) {}

  public count(name: string, value: number): void {
    this.write(
      `${JSON.stringify({
        _aws: {
          Timestamp: this.now(),
          CloudWatchMetrics: [
            {
              Namespace: handlerMetrics.namespace,
              Dimensions: [["FunctionName"]],
              Metrics: [{ Name: name, Unit: "Count" }],
            },
          ],
        },
        FunctionName: this.functionName,
        [name]: value,
      })}\n`,
    );
  }
}

/**
 * The metrics of a deployed handler: EMF lines dimensioned by the function's name (Lambda sets
 * `AWS_LAMBDA_FUNCTION_NAME`), or none when `POWERTOOLS_METRICS_DISABLED` is `true` (Powertools'
 * switch, which the tests and the local pipeline set to keep stdout for their own output).
 */
export function handlerMetricsSink(env: NodeJS.ProcessEnv = process.env): MetricsSink {
  if (env.POWERTOOLS_METRICS_DISABLED === "true") return noMetrics;
  return new EmfMetrics(env.AWS_LAMBDA_FUNCTION_NAME ?? "local");
}
