// Compiles src/ to dist/ when dist is missing or older than any source file (used by `npm start`).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const newest = (dir) =>
  fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((m, e) => Math.max(m, fs.statSync(path.join(e.parentPath, e.name)).mtimeMs), 0);

const marker = path.join(root, "dist", "server.js");
const built = fs.existsSync(marker) ? fs.statSync(marker).mtimeMs : 0;
const sources = Math.max(
  newest(path.join(root, "src")),
  fs.statSync(path.join(root, "package.json")).mtimeMs,
);
if (built < sources) {
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  if (!fs.existsSync(tsc)) {
    console.error(
      "build: TypeScript is not installed; run `npm install` (or `npm ci`) in app/ first",
    );
    process.exit(1);
  }
  const t0 = Date.now();
  execFileSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], {
    stdio: "inherit",
  });
  fs.utimesSync(marker, new Date(), new Date());
  console.log(`build: compiled src/ to dist/ in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}
