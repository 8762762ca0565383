// A content-derived image tag: the same app sources give the same tag, a change gives a new
// one. ECR tags are immutable, so a fixed tag such as "latest" could be pushed only once.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import dockerignoreModule from "@balena/dockerignore";

// A CommonJS module whose typings declare an ES default export: under Node's ESM interop the
// default import is the factory itself.
const dockerignore = dockerignoreModule as unknown as typeof dockerignoreModule.default;

/** Directory names never sent to the build, whatever .dockerignore says. */
const ALWAYS_SKIPPED = new Set(["node_modules", ".git"]);

/**
 * Whether a slash-separated path of the context is excluded by its .dockerignore, with Docker's
 * own matching rules (`*`, `**`, `?`, negations with `!`), from @balena/dockerignore.
 */
export function dockerignored(dir: string): (path: string) => boolean {
  const file = join(dir, ".dockerignore");
  if (!existsSync(file)) return () => false;
  const rules = dockerignore().add(readFileSync(file, "utf8").split("\n"));
  return (path) => rules.ignores(path);
}

/** Returns a 16-hex-digit tag hashed from the path and content of every file sent to the build. */
export function contextTag(dir: string): string {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`App build context ${dir} is not a directory.`);
  }
  const ignored = dockerignored(dir);
  const hash = createHash("sha256");
  const walk = (current: string): void => {
    const entries = readdirSync(current, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      const path = join(current, entry.name);
      const rel = relative(dir, path).split("\\").join("/");
      if (ALWAYS_SKIPPED.has(entry.name) || ignored(rel)) continue;
      if (entry.isDirectory()) {
        walk(path);
      } else if (entry.isFile()) {
        hash.update(rel).update("\0").update(readFileSync(path)).update("\0");
      }
    }
  };
  walk(dir);
  // The Dockerfile shapes the image even when .dockerignore keeps it out of the context.
  const dockerfile = join(dir, "Dockerfile");
  if (existsSync(dockerfile)) hash.update("\0Dockerfile\0").update(readFileSync(dockerfile));
  return hash.digest("hex").slice(0, 16);
}
