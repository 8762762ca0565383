// Pulumi.yaml's `config:` block and the docs' key table are generated from the config table
// (components/config-schema.ts) by scripts/gen-config.ts; this fails when either drifts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generated } from "../../scripts/gen-config.js";

describe("files generated from the config table", () => {
  for (const file of generated()) {
    it(`${file.path} is up to date (node --import tsx scripts/gen-config.ts --write)`, () => {
      assert.equal(file.current, file.wanted);
    });
  }
});
