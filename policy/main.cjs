/* eslint-disable @typescript-eslint/no-require-imports */
// Entry point the Pulumi engine loads. Its policy-pack runner `require()`s the pack, and the
// nodejs language host does not pass `nodeargs` to it as Node flags, so the TypeScript loader
// is registered here: tsx's require hook compiles index.ts (and the ESM it imports).
require("tsx/cjs");
require("./index.ts");
