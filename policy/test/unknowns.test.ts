// During preview the policy runtime throws an UnknownValueError when a rule reads a value that
// is only known after the update. Rules skip just that part and still check the rest.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as c from "../rules/containers.js";
import * as r from "../rules/resources.js";
import { DOCKER, TASKDEF, dockerApp, dockerMysql } from "./fixtures.js";
import { check, without } from "./stub.js";

/** Same class name as the runtime's error, which is all the rules look at. */
class UnknownValueError extends Error {}

/** A copy of `props` whose listed keys throw like unknown values do in preview. */
function withUnknown(props: object, ...keys: string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...props };
  for (const k of keys) {
    Object.defineProperty(copy, k, {
      enumerable: true,
      get: () => {
        throw new UnknownValueError(`string value at .${k} can't be known during preview`);
      },
    });
  }
  return copy;
}

describe("unknown values during preview", () => {
  it("skips the credential check when envs are unknown", () => {
    const props = withUnknown(dockerApp, "envs", "image");
    assert.deepEqual(check(c.noPlaintextCredentials, DOCKER, props), []);
    assert.deepEqual(check(c.containerImagePinned, DOCKER, props), []);
  });
  it("still checks the known parts of the same container", () => {
    const props = withUnknown(without(dockerApp, "memory"), "envs", "image");
    assert.deepEqual(check(c.memoryLimit, DOCKER, props, { name: "app" }), [
      "app: no memory limit: set memory (MiB)",
    ]);
  });
  it("recognises MySQL by name when its envs and image are unknown", () => {
    const props = withUnknown({ ...dockerMysql, volumes: [] }, "envs", "image");
    assert.deepEqual(check(c.dataOnDurableVolume, DOCKER, props, { name: "dev-mysql" }), [
      "dev-mysql: mysql data path is not mounted: mount it on a named Docker volume (volumeName)",
    ]);
    const open = withUnknown({ ...dockerMysql, ports: [{ internal: 3306 }] }, "envs", "image");
    assert.equal(
      (check(r.dataPortsOnLoopback, DOCKER, open, { name: "dev-mysql" }) as string[]).length,
      1,
    );
  });
  it("skips a task definition whose JSON is unknown", () => {
    const props = withUnknown({ family: "x" }, "containerDefinitions");
    assert.deepEqual(check(c.nonRootUser, TASKDEF, props), []);
  });
  it("does not swallow other errors", () => {
    const props = {
      get envs(): unknown {
        throw new TypeError("boom");
      },
    };
    assert.throws(() => check(c.noPlaintextCredentials, DOCKER, props), /boom/);
  });
});
