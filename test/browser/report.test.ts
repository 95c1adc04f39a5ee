/**
 * The report in a real browser (`npm run test:browser`): a report of 100,000 users and a million
 * events stays under 5 MB, renders every chart in Chromium, and shows the counts the summary has;
 * the timelines zoom. It also takes the screenshot of the lab's report that docs/cli.md shows.
 */
import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Browser, Page } from "playwright-core";
import { seededRandom } from "../../harness/simulator/random";
import { launchChromium } from "./chromium";

const root = path.join(__dirname, "..", "..");
/**
 * The screenshot docs/cli.md shows. It is rewritten only with UPDATE_SCREENSHOT=1, so a test run
 * leaves the working tree as it was (the page carries the time it was generated).
 */
const docsScreenshot = path.join(root, "docs", "images", "report.png");

/** Runs `npm run report` (its entry, without npm) and returns its --json totals. */
function report(args: string[]): Promise<Record<string, number | string>> {
  const child = spawn(
    process.execPath,
    [
      "--require",
      require.resolve("tsx/cjs"),
      path.join(root, "harness", "cli", "report.ts"),
      ...args,
      "--json",
    ],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  return new Promise((resolve, reject) =>
    child.once("close", (code) =>
      code === 0
        ? resolve(JSON.parse(stdout))
        : reject(new Error(`report exited ${code}: ${stderr}`)),
    ),
  );
}

/**
 * `events` clicks of `users` users over a day, in time order: each user's clicks come in sessions
 * whose gaps fall on both sides of the 10 s threshold; a few records are bad or lack a timestamp.
 */
function writeClickstream(file: string, users: number, events: number): void {
  const random = seededRandom(14);
  const start = Date.UTC(2026, 0, 1);
  const times = new Float64Array(events);
  const owners = new Int32Array(events);
  let n = 0;
  for (let user = 0; user < users; user++) {
    const count =
      user === users - 1 ? events - n : Math.max(1, Math.round((events / users) * 2 * random()));
    let t = start + Math.floor(random() * 20 * 3600_000);
    for (let i = 0; i < count && n < events; i++) {
      times[n] = t;
      owners[n++] = user;
      t +=
        random() < 0.75
          ? 1000 + Math.floor(random() * 9000)
          : 10_001 + Math.floor(random() * 1800_000);
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => times[a] - times[b]);
  const out = fs.openSync(file, "w");
  let chunk = "";
  order.forEach((i, k) => {
    const user = `u${String(owners[i]).padStart(6, "0")}`;
    const timestamp = k % 50_000 === 7 ? "" : `,"event_timestamp":"${times[i]}"`;
    chunk +=
      k % 100_000 === 3
        ? "not a record\n"
        : `{"user_id":"${k % 200_000 === 5 ? "much_too_long_id" : user}"${timestamp},"event_name":"search","event_type":"click","device_type":"desktop"}\n`;
    if (chunk.length > 1 << 20) {
      fs.writeSync(out, chunk);
      chunk = "";
    }
  });
  fs.writeSync(out, chunk);
  fs.closeSync(out);
}

/** The numbers the page shows in its totals, by key, read from the visible text. */
async function pageTotals(page: Page): Promise<Record<string, number | string>> {
  return page.$$eval("[data-total]", (elements) =>
    Object.fromEntries(
      elements.map((element) => {
        const text = element.querySelector(".value")!.textContent!;
        const value = /^[\d,]+$/.test(text) ? Number(text.replace(/,/g, "")) : text;
        return [element.getAttribute("data-total")!, value];
      }),
    ),
  );
}

describe("the HTML report in Chromium", () => {
  let browser: Browser;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "browser-report-"));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function open(file: string): Promise<{ page: Page; errors: string[]; loadMs: number }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
    const started = Date.now();
    await page.goto(`file://${file}`);
    await page.waitForSelector("body[data-rendered=true]", { timeout: 120_000 });
    return { page, errors, loadMs: Date.now() - started };
  }

  it("renders a report of 100,000 users and 1,000,000 events under 5 MB, its counts those of the summary", async () => {
    const input = path.join(dir, "clicks-100k.jsonl");
    writeClickstream(input, 100_000, 1_000_000);
    const output = path.join(dir, "report-100k.html");
    const totals = await report(["--input", input, "--output", output, "--top", "20"]);
    expect(totals).to.include({ events: 1_000_000 });
    expect(totals.users).to.be.greaterThan(99_000);
    expect(fs.statSync(output).size).to.be.lessThan(5_000_000);

    const { page, errors, loadMs } = await open(output);
    const renderMs = await page.evaluate(
      () => (globalThis as unknown as { reportRenderMs: number }).reportRenderMs,
    );
    process.stdout.write(
      `      (${(fs.statSync(output).size / 1e6).toFixed(2)} MB, loaded and drawn in ${loadMs} ms, script ${renderMs} ms)\n`,
    );
    expect(errors).to.deep.equal([]);

    const summary = Object.fromEntries(
      Object.entries(totals).filter(([key]) => key !== "reportPath" && key !== "bytes"),
    );
    expect(await pageTotals(page)).to.deep.equal(summary);
    // Per chart: how many marks it drew, and the counts its script wrote on the figure.
    const drawn: Record<string, Record<string, string | number>> = await page.$$eval(
      "[data-chart]",
      (figures) =>
        Object.fromEntries(
          figures.map((figure) => [
            figure.getAttribute("data-chart")!,
            {
              marks: figure.querySelectorAll("svg rect, svg line, svg path").length,
              ...Object.fromEntries(
                figure
                  .getAttributeNames()
                  .map((name: string) => [name, figure.getAttribute(name)!]),
              ),
            },
          ]),
        ),
    );
    for (const [chart, marks] of Object.entries(drawn)) {
      expect(marks.marks, chart).to.be.greaterThan(5);
    }
    expect(Number(drawn["sessions-over-time"]["data-sessions"])).to.equal(totals.sessionRows);
    expect(Number(drawn["sessions-per-user"]["data-users"])).to.equal(totals.users);
    expect(Number(drawn["dead-letters"]["data-rows"])).to.equal(
      (totals.errorRows as number) + (totals.rejectedRows as number),
    );
    expect(await page.textContent('[data-chart="gaps"] .plot')).to.contain("threshold 10 s");

    // Zoom: drag across the middle of the overview; the detail then shows a narrower range.
    const before = await page.textContent("#timelines .range");
    const overview = page.locator("#timelines .overview svg");
    await overview.scrollIntoViewIfNeeded();
    const box = (await overview.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const zoomed = await page.textContent("#timelines .range");
    expect(zoomed).to.not.equal(before);
    await page.click("#timelines button.reset");
    expect(await page.textContent("#timelines .range")).to.equal(before);
  });

  it("renders the lab's 3,000 clicks, which docs/cli.md shows (docs/images/report.png)", async () => {
    const input = path.join(dir, "lab.jsonl");
    const simulate = spawn(
      process.execPath,
      [
        "--require",
        require.resolve("tsx/cjs"),
        path.join(root, "harness", "cli", "simulate.ts"),
        "--seed",
        "7",
        "--out",
        input,
      ],
      { cwd: root, stdio: "ignore" },
    );
    await new Promise((resolve) => simulate.once("close", resolve));
    fs.appendFileSync(
      input,
      [
        '{"user_id":"user1","event_timestamp":"oops"}',
        "{",
        '{"user_id":"user_with_long_id","event_timestamp":1767225700000}',
      ].join("\n") + "\n",
    );
    const output = path.join(dir, "lab.html");
    const totals = await report(["--input", input, "--output", output]);
    const { page, errors } = await open(output);
    expect(errors).to.deep.equal([]);
    expect((await pageTotals(page)).sessionRows).to.equal(totals.sessionRows);
    const screenshot =
      process.env.UPDATE_SCREENSHOT === "1" ? docsScreenshot : path.join(dir, "report.png");
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(fs.statSync(screenshot).size).to.be.greaterThan(10_000);
  });
});
