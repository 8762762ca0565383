// Writes the URNs every case of urn-cases.ts declares under the mocks to the fixture. Run once,
// on the code before the redesign (`node --import tsx tests/unit/record-urns.ts`); the fixture
// is then the record of what existing stacks hold and must not be regenerated.
import { existsSync, writeFileSync } from "node:fs";
import { evaluate } from "./mocks.js";
import { URN_CASES, URN_FIXTURE } from "./urn-cases.js";

if (existsSync(URN_FIXTURE) && !process.argv.includes("--force")) {
  console.error(
    `${URN_FIXTURE.pathname} exists: it records the URNs before the redesign; keep it.`,
  );
  process.exit(1);
}
const out: Record<string, string[]> = {};
for (const [label, [stack, overrides]] of Object.entries(URN_CASES)) {
  const { resources } = await evaluate(stack, overrides);
  out[label] = resources.map((r) => r.urn).sort();
}
writeFileSync(URN_FIXTURE, `${JSON.stringify(out, null, 2)}\n`);
console.log(
  Object.entries(out)
    .map(([k, v]) => `${k}: ${v.length} URNs`)
    .join("\n"),
);
