/**
 * Lays out a private copy of the repository for an end-to-end stack, so the suite can set stack
 * config and edit the app without touching the working tree. The copy links the repository's
 * root node_modules (the program's dependencies) instead of reinstalling them.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { dump, load } from "js-yaml";
import { composeStackFile } from "../../../scripts/stack-file.js";

const SKIP = new Set([".git", "node_modules", "app/node_modules", "app/dist", "app/data", "bin"]);

/**
 * Copies `repo` to `dest` (replacing it) with the dev stack's `config:` as `Pulumi.<stack>.yaml`.
 * Only the config is taken: a salt or key in the committed file belongs to that stack, and a
 * test stack with its own passphrase could not decrypt with it.
 */
export function prepareProject(repo: string, dest: string, stack: string): string {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  cpSync(repo, dest, {
    recursive: true,
    filter: (src) => {
      const rel = relative(repo, src);
      return !SKIP.has(rel) && !rel.startsWith("tests/e2e/.work") && !rel.includes("/node_modules");
    },
  });
  symlinkSync(join(repo, "node_modules"), join(dest, "node_modules"), "dir");
  const committed = join(repo, "Pulumi.dev.yaml");
  if (!existsSync(committed)) throw new Error("Pulumi.dev.yaml is missing");
  for (const f of ["Pulumi.dev.yaml", "Pulumi.ecs.yaml"]) rmSync(join(dest, f), { force: true });
  const parsed = load(readFileSync(committed, "utf8")) as Parameters<typeof composeStackFile>[0];
  writeFileSync(join(dest, `Pulumi.${stack}.yaml`), dump(composeStackFile(parsed, {})));
  return dest;
}
