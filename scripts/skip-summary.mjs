/**
 * The end of `npm test`: how many tests were skipped and why, from the reports the steps wrote (vitest's JSON
 * reporter, pytest's JUnit XML) under reports/tests/ of the repository and of each workspace. A skip is kept only for
 * what the machine cannot have (a GPU); a missing prerequisite fails its suite instead. `--clear` removes the reports.
 */
/* global URL, process, console */
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const workspaces = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).workspaces;
const dirs = [".", ...workspaces].map((w) => join(root, w, "reports", "tests")).filter(existsSync);

// --clear: before the steps run, so that only this run's reports are read
if (process.argv.includes("--clear")) {
  for (const dir of dirs) rmSync(dir, { recursive: true });
  process.exit(0);
}

/** [where, why] of every skipped test. */
const skipped = [];
for (const dir of dirs) {
  for (const name of readdirSync(dir)) {
    const text = readFileSync(join(dir, name), "utf8");
    if (name.endsWith(".json")) {
      for (const file of JSON.parse(text).testResults ?? []) {
        for (const test of file.assertionResults ?? []) {
          if (["skipped", "pending", "todo"].includes(test.status)) {
            skipped.push([`${file.name.replace(root, "")} > ${test.fullName}`, `vitest ${test.status}`]);
          }
        }
      }
    } else if (name.endsWith(".xml")) {
      const cases = text.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"[^>]*>\s*<skipped[^>]*?message="([^"]*)"/g);
      for (const [, cls, test, why] of cases) skipped.push([`${cls}::${test}`, why]);
    }
  }
}

console.log(`\n${skipped.length} test(s) skipped`);
const byReason = new Map();
for (const [where, why] of skipped) byReason.set(why, [...(byReason.get(why) ?? []), [where]]);
for (const [why, tests] of byReason) {
  console.log(`  ${tests.length} × ${why}`);
  for (const [where] of tests.slice(0, 5)) console.log(`      ${where}`);
  if (tests.length > 5) console.log(`      … and ${tests.length - 5} more`);
}
