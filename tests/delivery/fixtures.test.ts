// The summary on real `pulumi preview --json` output (fixtures/README.md says how it was made).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseDigest } from "../../scripts/preview-summary/digest.js";
import { renderMarkdown } from "../../scripts/preview-summary/markdown.js";
import { parsePolicyViolations } from "../../scripts/preview-summary/policy.js";
import { summarize } from "../../scripts/preview-summary/summarize.js";

const here = new URL(".", import.meta.url);
const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, here), "utf8");
const render = (name: string) => renderMarkdown(summarize(parseDigest(fixture(name))));
const row = (md: string, name: string) =>
  md.split("\n").find((l) => l.includes(`\`${name}\`** |`) || l.includes(`| \`${name}\` |`)) ?? "";
const boldNames = (md: string) =>
  [...md.matchAll(/^\| [^|]+ \| \*\*`([^`]+)`\*\* \|/gm)].map((m) => m[1]).sort();

describe("stage 2 preview (create, update, replacements, delete)", () => {
  const md = render("changes.json");
  it("counts every kind of change from the engine's changeSummary", () => {
    assert.match(md, /^### Pulumi preview: `fx`$/m);
    assert.match(
      md,
      /^\*\*2 to create · 1 to update · 3 to replace · 1 to delete\*\* · 2 unchanged$/m,
    );
  });
  it("names the property that forces each replacement, with old and new values", () => {
    assert.match(
      row(md, "mysql-data"),
      /`name` forces replacement: "delivery-fx-mysql-data" → "delivery-fx-mysql-data-v2"/,
    );
    assert.match(
      row(md, "db-password"),
      /`keepers` forces replacement: `keepers.rotation` "1" → "2"/,
    );
    // The engine gives no reason for a replacement caused by a replaced dependency.
    assert.match(row(md, "mysql"), /no reason reported; inputs that change: `envs`, `volumes`/);
  });
  it("puts volumes, the password and the MySQL container in bold, and nothing else", () => {
    assert.deepEqual(boldNames(md), ["cache", "db-password", "mysql", "mysql-data"]);
    assert.match(
      md,
      /^> \*\*Warning: data at risk\.\*\* .*\*\*`cache`\*\* \(Docker volume, delete\)/m,
    );
    assert.match(
      row(md, "app"),
      /^\| ~ update \| `app` \| `docker:index\/container:Container` \| `memory`, `memorySwap` \|$/,
    );
    assert.match(row(md, "uploads"), /^\| \+ create \| `uploads` \|/);
  });
  it("lists deletes, then replacements, updates and creates", () => {
    const ops = [...md.matchAll(/^\| (\S+) (\w+) \|/gm)].map((m) => m[2]).filter((o) => o !== "Op");
    assert.deepEqual(ops, [
      "delete",
      "replace",
      "replace",
      "replace",
      "update",
      "create",
      "create",
    ]);
  });
  it("leaves out the image build output and keeps the warnings", () => {
    assert.match(fixture("changes.json"), /Building your image for linux\/amd64/);
    assert.doesNotMatch(md, /Building your image/);
    assert.match(md, /- warning: resource plugin docker is expected to have version/);
  });
  it("never shows a secret: the engine's [secret] stays, nothing else of the envs appears", () => {
    assert.match(fixture("changes.json"), /"\[secret\]"/);
    assert.doesNotMatch(md, /MYSQL_PASSWORD=(?!\[secret\])/);
  });
});

describe("the same preview with --show-replacement-steps", () => {
  const md = render("changes-replacement-steps.json");
  it("counts and lists each resource once", () => {
    assert.match(
      md,
      /^\*\*2 to create · 1 to update · 3 to replace · 1 to delete\*\* · 2 unchanged$/m,
    );
    assert.equal([...md.matchAll(/^\| (?:\+-|\+|~|-) [a-z]/gm)].length, 7);
  });
  it("takes the reasons from whichever step carries them", () => {
    assert.match(
      row(md, "mysql"),
      /`volumes` forces replacement: `volumes\[0\]\.volumeName` "delivery-fx-mysql-data" → "delivery-fx-mysql-data-v2"/,
    );
    assert.match(row(md, "mysql-data"), /`name` forces replacement/);
  });
});

describe("preview right after up", () => {
  it("shows the provider's memorySwap diff as plain updates", () => {
    const md = render("after-up.json");
    assert.match(
      md,
      /^\*\*0 to create · 2 to update · 0 to replace · 0 to delete\*\* · 5 unchanged$/m,
    );
    assert.deepEqual(boldNames(md), []);
    assert.match(row(md, "mysql"), /`memorySwap` \|$/);
  });
});

describe("policy pack results", () => {
  const violations = parsePolicyViolations(fixture("policy-fx.txt"));
  it("reads every violation from the text preview", () => {
    assert.deepEqual(
      violations.map((v) => `${v.level} ${v.policy} ${v.resource}`),
      [
        "mandatory data-protected-outside-dev docker:index/volume:Volume: cache",
        "mandatory data-protected-outside-dev docker:index/volume:Volume: mysql-data",
        "mandatory health-check docker:index/container:Container: app",
        "mandatory health-check docker:index/container:Container: mysql",
        "mandatory non-root-user docker:index/container:Container: app",
      ],
    );
    assert.equal(
      violations[4]?.message,
      'app: no "user" set: name a non-root user (e.g. "1000:1000")',
    );
  });
  it("the JSON preview only says it failed; the command lists the violations", () => {
    assert.match(fixture("policy-fx.json"), /"error: preview failed\\n"/);
    const md = execFileSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "scripts/preview-summary/main.ts",
        "--stack",
        "fx",
        "--exit-code",
        "1",
        "--log",
        "tests/delivery/fixtures/policy-fx.txt",
      ],
      { input: fixture("policy-fx.json"), encoding: "utf8", cwd: new URL("../..", here).pathname },
    );
    assert.match(
      md,
      /^\*\*Preview failed \(exit 1\)\.\*\* A mandatory policy is violated \(below\)\.$/m,
    );
    assert.match(md, /^\*\*Policy violations: 5 mandatory, 0 advisory\*\*$/m);
    assert.match(
      md,
      /^- mandatory `health-check` on `mysql` \(`docker:index\/container:Container`\): mysql: no health check/m,
    );
  });
  it("the command prints a note and exits 1 on output that is not JSON", () => {
    assert.throws(
      () =>
        execFileSync(
          process.execPath,
          ["--import", "tsx", "scripts/preview-summary/main.ts", "--stack", "dev"],
          {
            input: "error: no stack named 'dev' found\n",
            encoding: "utf8",
            cwd: new URL("../..", here).pathname,
          },
        ),
      (e: { status?: number; stdout?: string }) =>
        e.status === 1 && /\*\*No summary:\*\* the preview output is not JSON/.test(e.stdout ?? ""),
    );
  });
});
