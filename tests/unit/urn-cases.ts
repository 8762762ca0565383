// Stack configurations whose URNs are pinned by tests/unit/fixtures/urns-before-redesign.json:
// together they declare every resource the program can declare on either target.
import type { Override } from "./mocks.js";

/** Name → [stack, config overrides]. */
export const URN_CASES: Readonly<Record<string, readonly [string, Record<string, Override>]>> = {
  dev: ["dev", {}],
  ecs: ["ecs", {}],
  "ecs-https-mail": [
    "ecs",
    {
      certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc-123",
      mailServer: "smtp.example.com",
      mailPort: "587",
      mailPassword: { secret: "smtp-pw" },
    },
  ],
};

/** Where the URNs of the program as it was before the redesign are kept (never regenerated). */
export const URN_FIXTURE = new URL("./fixtures/urns-before-redesign.json", import.meta.url);
