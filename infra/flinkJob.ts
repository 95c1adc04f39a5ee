/**
 * The job engine `flink` deploys: the stack's SQL application translated to Flink SQL (the job spec,
 * `harness/flink/translate.ts`) and flink-runner's MSF JAR with that spec inside
 * (`harness/flink/jobJar.ts`). The JAR is built by Maven when the program runs against the Pulumi
 * engine (`pulumi preview`, `pulumi up`), the way esbuild bundles the Lambdas; under Pulumi's mocks
 * (`npm run plan`, `npm test`) nothing is built, so both need only Node.
 *
 * The object key names a hash of what the JAR is built from (the runner's POM and sources, the job
 * spec), so a plan and a preview show a new JAR as a new key without building it, and a `pulumi up`
 * whose sources did not change uploads nothing: Maven's JAR is not byte-for-byte reproducible (it
 * stamps times), so the object ignores changes of its bytes and follows the key alone.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { buildJobJar, runnerVersion } from "../harness/flink/jobJar";
import { runnerDirectory } from "../harness/flink/runner";
import { type JobSpec, translateToFlink } from "../harness/flink/translate";
import { readApplicationSql, type SqlApplicationName, sqlApplications } from "../sql/applications";

/** The job spec of a SQL application: its Flink SQL statements and I/O, as the runner reads them. */
export function jobSpecOf(application: SqlApplicationName): JobSpec {
  return translateToFlink(readApplicationSql(application), {
    inputSchema: sqlApplications[application].inputSchema,
  }).spec;
}

/** Every file under `directory`, as paths relative to `root` with `/`, sorted. */
function filesUnder(root: string, directory: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(root, full));
    else found.push(path.relative(root, full).split(path.sep).join("/"));
  }
  return found.sort();
}

/**
 * SHA-256 (hex) of what the JAR is built from: `flink-runner/pom.xml`, every file under
 * `flink-runner/src/`, each with its relative path, and the job spec as it is packaged. The same
 * checkout and SQL application give the same hash on any machine.
 */
export function jobContentHash(spec: JobSpec, root = runnerDirectory): string {
  const hash = crypto.createHash("sha256");
  for (const file of ["pom.xml", ...filesUnder(root, path.join(root, "src"))]) {
    hash.update(`${file}\0`);
    hash.update(fs.readFileSync(path.join(root, file)));
    hash.update("\0");
  }
  hash.update(`job-spec.json\0${JSON.stringify(spec)}`);
  return hash.digest("hex");
}

/** The JAR's object key: the runner's version and 16 hex digits of {@link jobContentHash}. */
export function jobJarKey(version: string, contentHash: string): string {
  return `flink-runner/flink-runner-${version}-${contentHash.slice(0, 16)}.jar`;
}

/**
 * Whether the program runs against the Pulumi engine (`pulumi preview`/`up`), where the JAR must
 * exist, rather than under `pulumi.runtime.setMocks` (the plan, the tests), which start no engine.
 */
export function runsAgainstEngine(): boolean {
  return pulumi.runtime.hasEngine();
}

/**
 * The built JAR for `spec`, cached under `flink-runner/target/msf-jars/<hash>.jar`: Maven runs once
 * per content hash on a machine (a minute or more), not on every preview. Throws
 * `ToolchainMissingError` (naming Java 17 or Maven) when the toolchain is missing.
 */
export function builtJobJar(
  spec: JobSpec,
  contentHash: string,
  cacheDirectory = path.join(runnerDirectory, "target", "msf-jars"),
): string {
  const cached = path.join(cacheDirectory, `${contentHash}.jar`);
  if (fs.existsSync(cached)) return cached;
  const built = buildJobJar(spec);
  fs.mkdirSync(path.dirname(cached), { recursive: true });
  fs.copyFileSync(built, cached);
  return cached;
}

/** The job as the engine deploys it. */
export interface FlinkJob {
  readonly spec: JobSpec;
  readonly contentHash: string;
  /** The object key in the code bucket. */
  readonly key: string;
  /**
   * The JAR: the built file against the Pulumi engine; under mocks a text that names what would be
   * built (the plan shows it, and nothing reads it).
   */
  readonly asset: pulumi.asset.Asset;
}

/** Thrown when the program runs for real and cannot build the job's JAR. */
export class JobJarBuildError extends Error {
  override readonly name = "JobJarBuildError";
}

/** How {@link flinkJob} gets the JAR. */
export interface FlinkJobOptions {
  /** Whether to build the JAR: {@link runsAgainstEngine} unless a test says otherwise. */
  readonly build?: boolean;
  /** Where built JARs are kept by content hash (`flink-runner/target/msf-jars`). */
  readonly cacheDirectory?: string;
}

/** The job of `application`; builds its JAR only when {@link runsAgainstEngine}. */
export function flinkJob(application: SqlApplicationName, options: FlinkJobOptions = {}): FlinkJob {
  const build = options.build ?? runsAgainstEngine();
  const spec = jobSpecOf(application);
  const contentHash = jobContentHash(spec);
  const version = runnerVersion();
  const key = jobJarKey(version, contentHash);
  if (!build) {
    return {
      spec,
      contentHash,
      key,
      asset: new pulumi.asset.StringAsset(
        `flink-runner ${version} MSF JAR of sql/${sqlApplications[application].sqlFile}, ` +
          `sources and job spec sha256 ${contentHash}; built by Maven when the program runs ` +
          "against the Pulumi engine\n",
      ),
    };
  }
  let jar: string;
  try {
    jar = builtJobJar(spec, contentHash, options.cacheDirectory);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new JobJarBuildError(
      `engine flink builds flink-runner's JAR with Maven when the program runs, and could not: ` +
        `${reason}. Install Java 17 and Maven (docs/engines.md, engine flink), or plan offline ` +
        "with `npm run plan`, which needs neither.",
    );
  }
  return { spec, contentHash, key, asset: new pulumi.asset.FileAsset(jar) };
}
