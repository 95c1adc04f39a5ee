/**
 * The JAR Managed Service for Apache Flink runs: flink-runner built with Maven's `msf` profile, the
 * connectors shaded in, Flink and logging left to the runtime, and the translated job spec packaged
 * as `job-spec.json`, which the runner's deployed mode reads from its class path. Built when the
 * caller runs (the Pulumi program, later), the way esbuild bundles the Lambdas.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { checkToolchain, runnerDirectory } from "./runner";
import type { JobSpec } from "./translate";

/** The runner's version, from its POM (the JAR is `flink-runner-<version>-msf.jar`). */
export function runnerVersion(): string {
  const pom = fs.readFileSync(path.join(runnerDirectory, "pom.xml"), "utf8");
  const version = /<artifactId>flink-runner<\/artifactId>\s*<version>([^<]+)<\/version>/.exec(pom);
  if (version === null) throw new Error("flink-runner/pom.xml names no version of flink-runner");
  return version[1];
}

/** Builds the MSF JAR for `spec`; returns its path. Throws `ToolchainMissingError` without Java or Maven. */
export function buildJobJar(spec: JobSpec): string {
  checkToolchain();
  const resources = path.join(runnerDirectory, "target", "msf-resources");
  fs.mkdirSync(resources, { recursive: true });
  fs.writeFileSync(path.join(resources, "job-spec.json"), JSON.stringify(spec));
  const result = spawnSync("mvn", ["-q", "-B", "-Pmsf", "-DskipTests", "package"], {
    cwd: runnerDirectory,
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`Maven build of the MSF JAR failed:\n${result.stdout}\n${result.stderr}`);
  }
  return path.join(runnerDirectory, "target", `flink-runner-${runnerVersion()}-msf.jar`);
}
