import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isCredentialName, stackOf, unpinnedImageReason, urlPassword } from "../rules/inspect.js";
import { policies } from "../rules/policies.js";

describe("inspect helpers", () => {
  it("recognises credential names but not *_FILE or plain names", () => {
    assert.deepEqual(
      [
        "MYSQL_PASSWORD",
        "SECRET_KEY",
        "GITHUB_TOKEN",
        "MAIL_PASSWORD",
        "MYSQL_PASSWORD_FILE",
        "MAIL_SERVER",
      ].map(isCredentialName),
      [true, true, true, true, false, false],
    );
  });
  it("finds the password in a URL's user info", () => {
    assert.equal(urlPassword("mysql+pymysql://microblog:p%40ss@mysql/microblog"), "p@ss");
    assert.equal(urlPassword("http://elasticsearch:9200"), undefined);
  });
  it("judges image references", () => {
    assert.equal(unpinnedImageReason("localhost:5000/microblog:1.2.3"), undefined);
    assert.equal(
      unpinnedImageReason("localhost:5000/microblog"),
      '"localhost:5000/microblog" has no tag, so it means :latest',
    );
  });
  it("reads the stack from a URN", () => {
    assert.equal(stackOf("urn:pulumi:ecs::microblog::aws:efs/fileSystem:FileSystem::data"), "ecs");
  });
});

describe("policy list", () => {
  it("has unique names, security mandatory, cost hints and the migration warning advisory", () => {
    const names = policies.map((p) => p.name);
    assert.equal(new Set(names).size, names.length);
    const advisory = policies.filter((p) => p.enforcementLevel === "advisory").map((p) => p.name);
    assert.deepEqual(advisory, [
      "managed-data-migration",
      "log-retention",
      "ecr-lifecycle-policy",
      "ecs-container-insights",
    ]);
  });
});
