// Tags under Pulumi mocks: every recorded AWS resource whose type takes tags (read from
// @pulumi/aws's own type declarations, not from the program's list) carries project, stack and
// component.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { TAGGABLE_TYPES } from "../../components/ecs/tags.js";
import { evaluate, find, ROOT, type Recorded } from "./mocks.js";

/** Whether a provider type's Args declare `tags`, per node_modules/@pulumi/aws/<module>/<file>.d.ts. */
function takesTags(type: string): boolean {
  const [, mod, file, cls] = /^aws:([^/]+)\/([^:]+):(.+)$/.exec(type) ?? [];
  const dts = readFileSync(`${ROOT}node_modules/@pulumi/aws/${mod}/${file}.d.ts`, "utf8");
  const start = dts.indexOf(`export interface ${cls}Args {`);
  assert.ok(start >= 0, `no ${cls}Args in ${mod}/${file}.d.ts`);
  const body = dts.slice(start, dts.indexOf("\n}", start));
  return /\n {4}tags\?:/.test(body);
}

const CASES = {
  default: {},
  "https, mail, existing VPC": {
    certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc-123",
    mailServer: "smtp.example.com",
    vpcId: "vpc-0123456789abcdef0",
    publicSubnetIds: '["subnet-0000000000000000a","subnet-0000000000000000b"]',
    privateSubnetIds: '["subnet-0000000000000000c","subnet-0000000000000000d"]',
  },
};

describe("ecs stack tags", () => {
  for (const [label, overrides] of Object.entries(CASES)) {
    it(`${label}: every taggable AWS resource carries project, stack and component`, async () => {
      const { resources } = await evaluate("ecs", overrides);
      const aws = resources.filter((r) => r.type.startsWith("aws:"));
      const taggable = aws.filter((r) => takesTags(r.type));
      assert.ok(taggable.length > 30);
      for (const r of taggable) {
        assert.ok(TAGGABLE_TYPES.has(r.type), `${r.type} takes tags: add it to TAGGABLE_TYPES`);
        const tags = r.inputs.tags as Record<string, string> | undefined;
        assert.equal(tags?.project, "microblog-infra", `${r.type} ${r.name}`);
        assert.equal(tags?.stack, "ecs", `${r.type} ${r.name}`);
        assert.match(tags?.component ?? "", /^[a-z-]+$/, `${r.type} ${r.name}`);
      }
      // Nothing that does not take tags gets them (the provider would reject the input).
      for (const r of aws.filter((x) => !takesTags(x.type))) {
        assert.equal(r.inputs.tags, undefined, `${r.type} ${r.name}`);
      }
    });
  }

  it("names the component that declared each resource", async () => {
    const { resources } = await evaluate("ecs");
    const component = (type: string, name: string) =>
      (find(resources, type, name).inputs.tags as Record<string, string>).component;
    assert.equal(component("aws:ecr/repository:Repository", "microblog-repo"), "ecr");
    assert.equal(component("aws:ec2/vpc:Vpc", "microblog-net-vpc"), "microblog-net");
    assert.equal(component("aws:ecs/cluster:Cluster", "microblog-cluster"), "ecs-system");
    assert.equal(
      component("aws:ecs/service:Service", "microblog-mysql-service"),
      "microblog-mysql",
    );
    assert.equal(component("aws:efs/fileSystem:FileSystem", "microblog-efs-fs"), "microblog-efs");
    const resourcesOf = (rs: Recorded[]) => rs.filter((r) => r.type.startsWith("docker:"));
    assert.ok(resourcesOf(resources).every((r) => r.inputs.tags === undefined));
  });

  it("tags nothing on the local stack", async () => {
    const { resources } = await evaluate("dev");
    assert.ok(resources.every((r) => r.inputs.tags === undefined));
  });
});
