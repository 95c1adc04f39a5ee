/**
 * The browser the browser tests drive: Debian's Chromium (`apt-get install -y chromium`), or the one
 * CHROMIUM_PATH names, through playwright-core, which never downloads a browser of its own. Loaded
 * by `.mocharc.browser.json` before the tests: without Chromium, `npm run test:browser` stops at
 * once with one line saying what to install.
 */
import * as fs from "fs";
import { chromium, type Browser } from "playwright-core";

export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Headless, no sandbox (CI containers run as root), no GPU, no background network traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

if (!fs.existsSync(chromiumPath)) {
  process.stderr.write(
    `npm run test:browser needs Chromium at ${chromiumPath}: install it with "apt-get install -y chromium", or set CHROMIUM_PATH\n`,
  );
  process.exit(1);
}
