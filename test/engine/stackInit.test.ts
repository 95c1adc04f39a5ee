/**
 * `pulumi stack init <name>` in a checkout must leave the committed stack file as it is, but for
 * the `encryptionsalt` line the passphrase secrets provider adds (README, "Deploy to AWS": commit
 * that line). The CLI rewrites every config value it reads as a string, so numbers and booleans
 * are committed quoted ("1", "true"), the way it writes them itself.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { pulumiCli, repositoryRoot } from "./engineStack";

describe("pulumi stack init of a committed stack", () => {
  for (const stack of ["dev", "lab", "scale"]) {
    it(`adds only the encryption salt to Pulumi.${stack}.yaml`, async () => {
      const directory = fs.mkdtempSync(path.join(os.tmpdir(), "stack-init-"));
      try {
        const project = path.join(directory, "project");
        fs.mkdirSync(project);
        for (const file of ["Pulumi.yaml", `Pulumi.${stack}.yaml`])
          fs.copyFileSync(path.join(repositoryRoot, file), path.join(project, file));
        const env = {
          ...process.env,
          PULUMI_HOME: path.join(directory, "home"),
          PULUMI_BACKEND_URL: `file://${directory}`,
          PULUMI_CONFIG_PASSPHRASE: "engine-test",
          PULUMI_SKIP_UPDATE_CHECK: "true",
        };
        const cli = (await pulumiCli()).command;
        execFileSync(cli, ["stack", "init", stack, "--non-interactive"], {
          cwd: project,
          env,
          stdio: "pipe",
        });
        // Reading every value back, as `pulumi config` does, must not rewrite the file either.
        execFileSync(cli, ["config", "--json", "--stack", stack], {
          cwd: project,
          env,
          stdio: "pipe",
        });
        const committed = fs.readFileSync(
          path.join(repositoryRoot, `Pulumi.${stack}.yaml`),
          "utf8",
        );
        const after = fs.readFileSync(path.join(project, `Pulumi.${stack}.yaml`), "utf8");
        const added = after.split("\n").filter((line) => !committed.split("\n").includes(line));
        expect(
          added.filter((line) => line !== ""),
          after,
        ).to.have.length(1);
        expect(added[0]).to.match(/^encryptionsalt: v1:/);
        expect(after.replace(/^encryptionsalt: .*\n/m, "")).to.equal(committed);
      } finally {
        fs.rmSync(directory, { recursive: true, force: true });
      }
    });
  }
});
