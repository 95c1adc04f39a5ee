import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";

describe("the deliver-sessions bundle", () => {
  it("bundles with esbuild into one CommonJS file for Node 22 that loads and exports handler", async () => {
    // Prepare: the settings the Pulumi program deploys with
    const dir = mkdtempSync(path.join(tmpdir(), "deliver-sessions-"));
    try {
      // Act
      const result = await build({
        entryPoints: [path.join(__dirname, "../../handlers/deliver-sessions.ts")],
        bundle: true,
        platform: "node",
        target: "node22",
        format: "cjs",
        write: false,
        logLevel: "silent",
      });
      // Assess: no relative import left, and the file runs on its own
      expect(result.errors).to.deep.equal([]);
      const [bundle] = result.outputFiles;
      expect(bundle.text).not.to.match(/require\(["']\.\.?\//);
      const file = path.join(dir, "index.js");
      writeFileSync(file, bundle.text);
      const exported = execFileSync(
        process.execPath,
        ["-e", `process.stdout.write(typeof require(${JSON.stringify(file)}).handler)`],
        {
          cwd: dir,
          env: {
            PATH: process.env.PATH,
            SESSIONS_TABLE: "s",
            DEAD_LETTER_TABLE: "d",
            AWS_REGION: "us-east-1",
          },
          stdio: ["ignore", "pipe", "ignore"],
        },
      );
      expect(exported.toString()).to.equal("function");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
