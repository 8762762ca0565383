/**
 * Lays out a private copy of the repository for the end-to-end stack, so the suite can set stack
 * config and edit the app without touching the working tree. The copy links the repository's
 * root node_modules (the program's dependencies) instead of reinstalling them.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join, relative } from "node:path";

const SKIP = new Set([".git", "node_modules", "app/node_modules", "app/dist", "app/data", "bin"]);

/** Copies `repo` to `dest` (replacing it) with the dev stack's config as `Pulumi.<stack>.yaml`. */
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
  if (!existsSync(join(repo, "Pulumi.dev.yaml"))) throw new Error("Pulumi.dev.yaml is missing");
  copyFileSync(join(repo, "Pulumi.dev.yaml"), join(dest, `Pulumi.${stack}.yaml`));
  return dest;
}
