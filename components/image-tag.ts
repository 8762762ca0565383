// A content-derived image tag: the same app sources give the same tag, a change gives a new
// one. ECR tags are immutable, so a fixed tag such as "latest" could be pushed only once.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/** Directory names never sent to the build (also excluded by app/.dockerignore). */
const SKIPPED = new Set(["node_modules", ".git", "dist", "data", "coverage"]);

/** Returns a 16-hex-digit tag hashed from every file path and content under `dir`. */
export function contextTag(dir: string): string {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`App build context ${dir} is not a directory.`);
  }
  const hash = createHash("sha256");
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    )) {
      if (SKIPPED.has(entry.name)) continue;
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        walk(path);
      } else if (entry.isFile()) {
        hash.update(relative(dir, path)).update("\0").update(readFileSync(path)).update("\0");
      }
    }
  };
  walk(dir);
  return hash.digest("hex").slice(0, 16);
}
