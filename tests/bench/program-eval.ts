// Benchmark (not a test): time to evaluate each stack's program under Pulumi mocks.
// Cold = a fresh Node process (module loading included, as `pulumi preview` pays it);
// warm = a repeat evaluation in the same process. Prints the medians as a Markdown section;
// with --record it also replaces that section of docs/benchmarks.md (a deliberate edit to commit).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { evaluate } from "../unit/mocks.js";

const RUNS = 5;
const STACKS = ["dev", "ecs"] as const;
const SELF = fileURLToPath(import.meta.url);
const DOC = fileURLToPath(new URL("../../docs/benchmarks.md", import.meta.url));
const HEADING = "## Program evaluation under mocks";

/** Evaluates `stack` `count` times in this process and returns each duration in ms. */
async function timeInProcess(stack: string, count: number): Promise<Timing[]> {
  const times: Timing[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const { resources } = await evaluate(stack);
    const cpu = process.cpuUsage(c0);
    times.push({ wall: performance.now() - t0, cpu: (cpu.user + cpu.system) / 1000 });
    if (resources.length === 0) throw new Error(`${stack}: no resources declared`);
  }
  return times;
}

/** Wall-clock and CPU (user + system) milliseconds of one evaluation. */
interface Timing {
  wall: number;
  cpu: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function main(): Promise<void> {
  const [mode, stack] = process.argv.slice(2);
  if (mode === "--child" && stack !== undefined) {
    // Cold: the first evaluation of a fresh process, plus one warm evaluation after it.
    const [cold, warm] = await timeInProcess(stack, 2);
    process.stdout.write(JSON.stringify({ cold, warm }));
    return;
  }
  const rows: string[] = [];
  for (const s of STACKS) {
    const cold: Timing[] = [];
    const warm: Timing[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const out = execFileSync(process.execPath, ["--import", "tsx", SELF, "--child", s], {
        encoding: "utf8",
      });
      const wall = performance.now() - t0;
      const r = JSON.parse(out) as { cold: Timing; warm: Timing };
      cold.push(r.cold);
      warm.push(r.warm);
      console.log(
        `[bench] ${s} run ${i + 1}/${RUNS}: cold ${r.cold.wall.toFixed(0)} ms (cpu ${r.cold.cpu.toFixed(0)}), ` +
          `warm ${r.warm.wall.toFixed(0)} ms (cpu ${r.warm.cpu.toFixed(0)}), process ${wall.toFixed(0)} ms`,
      );
    }
    const f = (xs: Timing[], k: keyof Timing): string => median(xs.map((x) => x[k])).toFixed(0);
    rows.push(
      `| ${s} | ${f(cold, "wall")} | ${f(cold, "cpu")} | ${f(warm, "wall")} | ${f(warm, "cpu")} |`,
    );
  }
  const section = [
    HEADING,
    "",
    `Measured by \`node --import tsx tests/bench/program-eval.ts\` on ${new Date().toISOString().slice(0, 10)}, ` +
      `${cpus().length} CPUs (load average ${loadavg()[0]?.toFixed(1)} at the end), Node ${process.version}, ` +
      `medians of ${RUNS} fresh processes per stack. CPU = user + system time of the evaluation. ` +
      "Cold = first evaluation of index.ts in a fresh process (module loading included); " +
      "warm = a second evaluation in the same process. Target: under 2000 ms per stack.",
    "",
    "| stack | cold wall (ms) | cold CPU (ms) | warm wall (ms) | warm CPU (ms) |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
  ].join("\n");
  if (process.argv.includes("--record")) writeSection(section);
  console.log(section);
}

/** Replaces this benchmark's section of docs/benchmarks.md, leaving other sections alone. */
function writeSection(section: string): void {
  const text = existsSync(DOC) ? readFileSync(DOC, "utf8") : "# Benchmarks\n";
  const start = text.indexOf(HEADING);
  let next: string;
  if (start === -1) {
    next = `${text.trimEnd()}\n\n${section}`;
  } else {
    const after = text.indexOf("\n## ", start + HEADING.length);
    next = text.slice(0, start) + section + (after === -1 ? "" : `\n${text.slice(after + 1)}`);
  }
  writeFileSync(DOC, next.endsWith("\n") ? next : `${next}\n`);
}

await main();
