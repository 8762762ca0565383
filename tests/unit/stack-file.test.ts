// scripts/stack-file.ts: the private stack file keeps its own secrets provider, never the
// committed file's, and applies the overrides.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { composeStackFile, configKey } from "../../scripts/stack-file.js";

describe("stack-file", () => {
  const committed = {
    encryptionsalt: "v1:committed:salt",
    config: { "microblog-infra:target": "local", "microblog-infra:appPort": "8000" },
  };

  it("takes only the committed config, never its salt", () => {
    assert.deepEqual(composeStackFile(committed, {}), {
      config: { "microblog-infra:target": "local", "microblog-infra:appPort": "8000" },
    });
  });

  it("keeps the previous private file's secrets provider and applies overrides", () => {
    const previous = { encryptionsalt: "v1:own:salt", config: { stale: "x" } };
    assert.deepEqual(
      composeStackFile(
        committed,
        { mysqlImage: "m:1", appPort: "", "aws:region": "eu-west-1" },
        previous,
      ),
      {
        encryptionsalt: "v1:own:salt",
        config: {
          "microblog-infra:target": "local",
          "microblog-infra:mysqlImage": "m:1",
          "aws:region": "eu-west-1",
        },
      },
    );
  });

  it("namespaces bare keys with the project", () => {
    assert.equal(configKey("appPort"), "microblog-infra:appPort");
    assert.equal(configKey("aws:region"), "aws:region");
  });
});
