// The content-derived app image tag.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { contextTag, dockerignored } from "../../components/image-tag.js";

function context(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "mb-ctx-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe("contextTag", () => {
  const base = {
    Dockerfile: "FROM x\n",
    ".dockerignore": "test\n*.log\n/dist\n",
    "src/app.ts": "a",
  };

  it("is stable for the same sources and changes with a source or the Dockerfile", () => {
    const tag = contextTag(context(base));
    assert.match(tag, /^[0-9a-f]{16}$/);
    assert.equal(contextTag(context(base)), tag);
    assert.notEqual(contextTag(context({ ...base, "src/app.ts": "b" })), tag);
    assert.notEqual(contextTag(context({ ...base, Dockerfile: "FROM y\n" })), tag);
  });

  it("ignores what .dockerignore and node_modules keep out of the build", () => {
    const tag = contextTag(context(base));
    const noise = {
      "test/x.test.ts": "t",
      "boot.log": "l",
      "dist/a.js": "d",
      "node_modules/m/i.js": "m",
    };
    assert.equal(contextTag(context({ ...base, ...noise })), tag);
  });

  it("reads .dockerignore with Docker's rules, negations included", () => {
    const ignored = dockerignored(
      context({ ...base, ".dockerignore": "test\n*.log\n!keep.log\n" }),
    );
    assert.ok(ignored("test") && ignored("test/a/b.ts") && !ignored("tests"));
    assert.ok(ignored("boot.log") && !ignored("src/boot.log"));
    assert.ok(!ignored("keep.log"), "a negated pattern is sent to the build again");
  });

  it("fails clearly when the context is missing", () => {
    assert.throws(() => contextTag("/nonexistent/app"), {
      message: "App build context /nonexistent/app is not a directory.",
    });
  });
});
