/**
 * The benchmark's Markdown report: one table per group, the speed ratios to its baseline and the
 * checks that the peers did the same work.
 */
import * as os from "os";
import type { PeerResult } from "./peerProtocol";

/** What one group of peers measured. */
export interface GroupReport {
  readonly name: string;
  readonly description: string;
  readonly baseline: string;
  readonly results: readonly (PeerResult & { readonly perSecond: number })[];
  readonly failures: readonly { readonly peer: string; readonly error: string }[];
  /** `<baseline>/<peer>`: how many times faster the baseline is (events/s over events/s). */
  readonly ratios: Readonly<Record<string, number>>;
  readonly checks: readonly string[];
}

/** One of issue 12's targets against this run's numbers. */
export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

/** `1,234,567`. */
export const formatCount = (n: number): string => Math.round(n).toLocaleString("en-US");

/** The report as Markdown. */
export function markdownReport(
  reports: readonly GroupReport[],
  targets: readonly TargetCheck[],
  run: {
    readonly events: number;
    readonly users: number;
    readonly seed: number;
    readonly repeat: number;
  },
  machine: string,
): string {
  const lines = [
    `# Benchmark results`,
    ``,
    `\`npm run bench\` on ${machine}, ${new Date().toISOString().slice(0, 10)}: ` +
      `${formatCount(run.events)} events, ${formatCount(run.users)} users, seed ${run.seed}, ` +
      `best of ${run.repeat} runs per peer; load average ${os.loadavg()[0].toFixed(2)} at the end ` +
      `(other work on the machine skews times). Seconds are whole processes, start-up included, ` +
      `unless the note says otherwise.`,
  ];
  if (targets.length > 0) {
    lines.push(
      ``,
      `## Issue 12's targets`,
      ``,
      `| target | measured | met |`,
      `| --- | ---: | --- |`,
    );
    for (const check of targets) {
      lines.push(`| ${check.target} | ${check.measured} | ${check.met ? "met" : "not met"} |`);
    }
  }
  for (const report of reports) {
    lines.push(
      ``,
      `## ${report.name}: ${report.description}`,
      ``,
      `| peer | items | seconds | items/s | peak RSS MB | output rows | note |`,
      `| --- | ---: | ---: | ---: | ---: | ---: | --- |`,
    );
    for (const result of report.results) {
      lines.push(
        `| ${result.peer} | ${formatCount(result.items)} ${result.unit} | ${result.seconds.toFixed(2)} | ` +
          `${formatCount(result.perSecond)} | ${Number.isNaN(result.maxRssMB) ? "n/a" : result.maxRssMB} | ` +
          `${result.outputRows === undefined ? "" : formatCount(result.outputRows)} | ${result.note ?? ""} |`,
      );
    }
    for (const failure of report.failures)
      lines.push(
        `| ${failure.peer} | ${failure.error.startsWith("skipped:") ? "" : "failed: "}${failure.error} | | | | | |`,
      );
    if (Object.keys(report.ratios).length > 0) {
      lines.push(
        ``,
        `Speed ratios (items/s over items/s; above 1 means ${report.baseline} is faster):`,
        ``,
      );
      for (const [name, ratio] of Object.entries(report.ratios))
        lines.push(`- ${name}: ${ratio.toFixed(2)}`);
    }
    for (const check of report.checks) lines.push(``, `Check: ${check}.`);
  }
  return lines.join("\n") + "\n";
}
