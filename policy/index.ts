// Policy pack entry point, loaded by `pulumi preview|up --policy-pack policy`. Constructing a
// PolicyPack starts the analyzer server, so tests import rules/ and never this file.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules/policies.js";

new PolicyPack("microblog", {
  description: "Microblog stacks: security and reliability (mandatory), cost hints (advisory).",
  policies,
});
