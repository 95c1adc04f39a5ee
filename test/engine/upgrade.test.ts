/**
 * Upgrading a deployed stack: `pulumi up` with the program of the last release, then `pulumi
 * preview` of this checkout on the same state must replace and delete nothing. The aliases that
 * keep deployed resources where they are (test/infra/aliases.test.ts, under mocks) proven on a real
 * state file by the real engine.
 *
 * The last release is the commit main landed at before this work (no release tags were cut
 * before; docs/upgrading.md names it). Its program is taken from git history with `git archive`,
 * so the test needs the repository's history (a full clone, as CI makes).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import type { StackSettings } from "@pulumi/pulumi/automation";
import type { StackOutputs } from "../../infra/program";
import {
  changedOps,
  type EngineBackend,
  engineBackend,
  opsCollector,
  repositoryRoot,
  stackFile,
} from "./engineStack";

/** The program users deployed last: main as it landed on 2026-11-30. */
const lastRelease = "949e94b";

/** A copy of the program and stack files at `commit`, using this checkout's node_modules. */
function checkoutOf(commit: string): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), `release-${commit}-`));
  let archive: Buffer;
  try {
    archive = execFileSync("git", ["archive", "--format=tar", commit], {
      cwd: repositoryRoot,
      maxBuffer: 1 << 30,
    });
  } catch (error) {
    throw new Error(
      `The upgrade test needs commit ${commit} (the last release) in the repository's history; ` +
        `fetch it (git fetch --unshallow) and run again: ${String(error)}`,
    );
  }
  execFileSync("tar", ["-x", "-C", directory], { input: archive });
  fs.symlinkSync(path.join(repositoryRoot, "node_modules"), path.join(directory, "node_modules"));
  // Engine flink's JARs are cached by content hash: an unchanged runner is not built twice.
  fs.mkdirSync(path.join(repositoryRoot, "flink-runner", "target"), { recursive: true });
  fs.symlinkSync(
    path.join(repositoryRoot, "flink-runner", "target"),
    path.join(directory, "flink-runner", "target"),
  );
  return directory;
}

/** The program of the checkout at `directory`, as the CLI would run its infra/index.ts. */
function programAt(directory: string): () => StackOutputs {
  const entry = path.join(directory, "infra", "index.ts");
  // Node keys its module cache by real path (TMPDIR may be a link).
  const real = fs.realpathSync(directory);
  return () => {
    for (const key of Object.keys(require.cache))
      if (key.startsWith(real)) delete require.cache[key];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(entry) as StackOutputs;
  };
}

describe(`upgrading a stack deployed with the last release (${lastRelease}) on the real Pulumi engine`, function () {
  let backend: EngineBackend;
  let release: string;
  before(async () => {
    release = checkoutOf(lastRelease);
    backend = await engineBackend();
  });
  after(() => {
    backend?.close();
    if (release !== undefined) fs.rmSync(release, { recursive: true, force: true });
  });

  for (const name of ["dev", "scale"]) {
    it(`replaces and deletes nothing in stack ${name}`, async () => {
      const releasedSettings = stackFile(name, release);
      const old = await backend.stack(name, releasedSettings, programAt(release));
      await old.up();

      const current = await old.workspace.stackSettings(name);
      const settings: StackSettings = { ...current, config: stackFile(name).config };
      const head = await backend.stack(name, settings);
      await head.workspace.saveStackSettings(name, settings);
      const { ops, onEvent } = opsCollector();
      await head.preview({ onEvent });
      const destructive = [...changedOps(ops)].filter(
        ([, op]) => op === "replace" || op === "delete",
      );
      expect(destructive).to.deep.equal([]);
      // The preview covered the whole stack, not a program that failed early.
      expect(ops.size).to.be.greaterThan(20);
    });
  }
});
