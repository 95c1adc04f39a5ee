// Whether dist/ (the compiled commands, scripts/build.mjs) must be built again: it is missing, or a
// file its bundles were made from is newer. Shared by the build and by bin/sessionizer.js, which
// checks before it runs a command from a checkout (a few hundred stat calls, a few milliseconds),
// so an edited source never runs stale. CommonJS, so the bin can load it without a second process.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const dist = path.join(root, "dist");
/** esbuild's list of every source file the bundles were made from, written by the build. */
const inputsFile = path.join(dist, "inputs.json");
/** Files that change every bundle without being one of its inputs. */
const buildFiles = [
  path.join(__dirname, "build.mjs"),
  __filename,
  path.join(root, "package-lock.json"),
];

function distIsStale() {
  let builtAt;
  let inputs;
  try {
    builtAt = fs.statSync(inputsFile).mtimeMs;
    inputs = JSON.parse(fs.readFileSync(inputsFile, "utf8"));
  } catch {
    return true;
  }
  const sources = [...buildFiles, ...inputs.map((input) => path.join(root, input))];
  return sources.some((file) => {
    try {
      return fs.statSync(file).mtimeMs > builtAt;
    } catch {
      // A source that went away: the bundles hold code that is no longer there.
      return true;
    }
  });
}

module.exports = { root, dist, inputsFile, distIsStale };
