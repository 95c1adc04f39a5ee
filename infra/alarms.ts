/**
 * The pipeline's CloudWatch alarms, all built alike: one metric over 5 minutes compared with a
 * threshold, missing data counted as no traffic, the stack's alarm topic (if any) told on alarm and on
 * recovery. The pipeline creates the alarms of what every engine shares; each engine creates its own
 * with the same settings, which the pipeline hands it. Alarms are auto-named by Pulumi (nobody types
 * an alarm's name); the description starts with the stack's name prefix, so the console tells the
 * stacks apart.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** One alarm: what it watches and what it says. */
export interface AlarmSpec {
  /** Ends the logical name `<component>-<part>`, which the auto-named alarm's name starts with. */
  readonly part: string;
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly statistic: "Sum" | "Maximum";
  readonly dimensions: Readonly<Record<string, pulumi.Input<string>>>;
  /** The alarm fires when the statistic (or its increase) exceeds this. */
  readonly threshold: number;
  /**
   * `increase` compares how much the statistic grew since the previous period (`DIFF`, metric
   * math), for a metric that counts up from the job's start, such as Flink's
   * `numberOfFailedCheckpoints`: its value stays above 0 long after the failure, its increase does
   * not. Absent means the statistic itself.
   */
  readonly compare?: "increase";
}

/** What all of a stack's alarms share. */
export interface AlarmSettings {
  /** The stack's name prefix (config `namePrefix`), which starts each alarm's description. */
  readonly prefix: string;
  /** The topic to notify, or none. */
  readonly actions: readonly pulumi.Input<string>[];
}

/**
 * The alarm's arguments. `alarmArgs({description: "A reader ...", ...}, {prefix: "lab", ...})
 * .alarmDescription` -> `"lab: A reader ..."`
 */
export function alarmArgs(
  spec: AlarmSpec,
  settings: AlarmSettings,
): aws.cloudwatch.MetricAlarmArgs {
  const { namespace, metricName, statistic, dimensions, threshold } = spec;
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html (DIFF)
  const metric =
    spec.compare === "increase"
      ? {
          metricQueries: [
            {
              id: "counter",
              metric: { namespace, metricName, stat: statistic, dimensions, period: 300 },
              returnData: false,
            },
            { id: "increase", expression: "DIFF(counter)", label: "increase", returnData: true },
          ],
        }
      : { namespace, metricName, statistic, dimensions, period: 300 };
  return {
    alarmDescription: `${settings.prefix}: ${spec.description}`,
    ...metric,
    threshold,
    comparisonOperator: "GreaterThanThreshold",
    evaluationPeriods: 1,
    // No data means no traffic, not a failure.
    treatMissingData: "notBreaching",
    alarmActions: [...settings.actions],
    okActions: [...settings.actions],
  };
}

/** Creates one alarm per spec, each named `<name>-<part>`, with the same options. */
export function createAlarms(
  name: string,
  specs: readonly AlarmSpec[],
  settings: AlarmSettings,
  opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.MetricAlarm[] {
  return specs.map(
    (spec) =>
      new aws.cloudwatch.MetricAlarm(`${name}-${spec.part}`, alarmArgs(spec, settings), opts),
  );
}

/**
 * Throttled writes to a table. WriteThrottleEvents counts throttled writes of every operation
 * (BatchWriteItem, PutItem), so the alarm holds whichever call a handler uses.
 */
export function tableThrottlesAlarm(
  part: string,
  table: aws.dynamodb.Table,
  threshold: number,
): AlarmSpec {
  return {
    part,
    description: "Writes to the table are throttled",
    namespace: "AWS/DynamoDB",
    metricName: "WriteThrottleEvents",
    statistic: "Sum",
    dimensions: { TableName: table.name },
    threshold,
  };
}
