// Existing stacks see no replacement: every URN the program declared before the redesign
// (tests/unit/fixtures/urns-before-redesign.json, recorded from that code under these mocks)
// is still declared, or is an alias of a resource declared now. Aliases are expanded the way
// the engine expands them: each alias spec is collapsed to a URN with the resource's own name,
// type and parent as defaults, and a child inherits every alias of its parent.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { engineUrn, evaluate, type AliasRequest, type Recorded } from "./mocks.js";
import { URN_CASES, URN_FIXTURE } from "./urn-cases.js";

const before = JSON.parse(readFileSync(URN_FIXTURE, "utf8")) as Record<string, string[]>;

const typeOf = (urn: string): string => (urn.split("::")[2] ?? "").split("$").pop() ?? "";
const nameOf = (urn: string): string => urn.slice(urn.lastIndexOf("::") + 2);
const parentOf = (urn: string): string | undefined => {
  const chain = (urn.split("::")[2] ?? "").split("$");
  if (chain.length < 2) return undefined;
  // Only the type chain matters for a child's URN, so a stand-in parent name is enough.
  return `urn:pulumi:_::_::${chain.slice(0, -1).join("$")}::_`;
};

/** Every URN the engine would match against state for this resource. */
function knownAs(
  r: Recorded,
  byUrn: ReadonlyMap<string, Recorded>,
  memo: Map<string, Set<string>>,
) {
  const cached = memo.get(r.urn);
  if (cached !== undefined) return cached;
  const own = [r.urn, ...r.aliases.map((a) => collapse(a, r))];
  const out = new Set(own);
  const parent =
    r.parent === undefined
      ? undefined
      : [...byUrn.values()].find((p) => p.name === r.parent && r.urn.includes(`${p.type}$`));
  if (parent !== undefined) {
    for (const parentAlias of knownAs(parent, byUrn, memo)) {
      if (parentAlias === parent.urn) continue;
      for (const u of own) out.add(engineUrn(parentAlias, typeOf(u), nameOf(u)));
    }
  }
  memo.set(r.urn, out);
  return out;
}

function collapse(a: AliasRequest, r: Recorded): string {
  if ("urn" in a) return a.urn;
  const parent = a.noParent ? undefined : a.parentUrn !== "" ? a.parentUrn : parentOf(r.urn);
  return engineUrn(parent, a.type || r.type, a.name || r.name);
}

describe("URNs of existing stacks", () => {
  for (const [label, [stack, overrides]] of Object.entries(URN_CASES)) {
    it(`${label}: every URN from before the redesign is declared or aliased`, async () => {
      const { resources } = await evaluate(stack, overrides);
      const byUrn = new Map(resources.map((r) => [r.urn, r]));
      const memo = new Map<string, Set<string>>();
      const claimed = new Map<string, string>();
      for (const r of resources) {
        for (const u of knownAs(r, byUrn, memo)) {
          const other = claimed.get(u);
          assert.ok(
            other === undefined || other === r.urn,
            `${u} claimed by ${other} and ${r.urn}`,
          );
          claimed.set(u, r.urn);
        }
      }
      const lost = (before[label] ?? []).filter((u) => !claimed.has(u));
      assert.deepEqual(lost, [], "old URNs neither declared nor aliased: these would be replaced");
      assert.ok((before[label] ?? []).length > 0);
    });
  }
});
