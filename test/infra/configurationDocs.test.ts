import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

const root = path.join(__dirname, "..", "..");
const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as {
  config: Record<string, { default?: unknown; value?: unknown }>;
};
const docs = fs.readFileSync(path.join(root, "docs", "configuration.md"), "utf8");

/** The rows of the keys table in docs/configuration.md: key -> the default column's text. */
function documentedKeys(): Map<string, string> {
  const section = docs.slice(
    docs.indexOf("## Keys"),
    docs.indexOf("\n## ", docs.indexOf("## Keys") + 1),
  );
  const rows = new Map<string, string>();
  for (const line of section.split("\n")) {
    const match = /^\| `([^`]+)` \| ([^|]*) \|/.exec(line);
    if (match) rows.set(match[1], match[2].trim());
  }
  return rows;
}

describe("docs/configuration.md", () => {
  it("lists exactly the config keys Pulumi.yaml declares", () => {
    expect([...documentedKeys().keys()].sort()).to.deep.equal(Object.keys(project.config).sort());
  });

  it("gives each key the default Pulumi.yaml declares", () => {
    const documented = documentedKeys();
    const wrong = Object.entries(project.config)
      .filter(([, entry]) => "default" in entry && typeof entry.default !== "object")
      .filter(([key, entry]) => {
        const text = documented.get(key) ?? "";
        const value = String(entry.default);
        // An empty default means a name derived from others, which the docs spell as <...>.
        return value === "" ? !text.includes("<") : !text.includes(value);
      })
      .map(
        ([key, entry]) =>
          `${key}: Pulumi.yaml ${JSON.stringify(entry.default)}, docs "${documented.get(key)}"`,
      );
    expect(wrong).to.deep.equal([]);
  });
});
