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

  it("keeps the previous file's salt and own settings; committed config and overrides win", () => {
    const previous = {
      encryptionsalt: "v1:own:salt",
      config: {
        "microblog-infra:appPort": "9000",
        "microblog-infra:registryPassword": { secure: "v1:abc" },
        "microblog-infra:mysqlImage": "old:1",
      },
    };
    const overrides = { mysqlImage: "", searchImage: "s:1", "aws:region": "eu-west-1" };
    assert.deepEqual(composeStackFile(committed, overrides, previous), {
      encryptionsalt: "v1:own:salt",
      config: {
        "microblog-infra:appPort": "8000",
        "microblog-infra:registryPassword": { secure: "v1:abc" },
        "microblog-infra:target": "local",
        "microblog-infra:searchImage": "s:1",
        "aws:region": "eu-west-1",
      },
    });
  });

  it("namespaces bare keys with the project", () => {
    assert.equal(configKey("appPort"), "microblog-infra:appPort");
    assert.equal(configKey("aws:region"), "aws:region");
  });
});
