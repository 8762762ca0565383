/**
 * Runs the real Pulumi CLI for the end-to-end suite: one project directory, a file:// backend and
 * a passphrase secrets provider, every command timed. Nothing here imitates the engine.
 */
import { spawn } from "node:child_process";

/** What one CLI run produced. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall-clock seconds the command took. */
  readonly seconds: number;
}

/** Where and how the CLI runs. */
export interface PulumiContext {
  /** The project directory (a copy of the repository). */
  readonly cwd: string;
  /** `file://…` backend URL. */
  readonly backendUrl: string;
  /** Passphrase for the stack's secrets provider. */
  readonly passphrase: string;
  /** Stack name. */
  readonly stack: string;
}

/** Runs `pulumi <args>` and resolves with its result; never rejects on a non-zero exit. */
export function pulumi(ctx: PulumiContext, args: readonly string[]): Promise<CliResult> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", [...args, "--non-interactive"], {
      cwd: ctx.cwd,
      env: {
        ...process.env,
        PULUMI_BACKEND_URL: ctx.backendUrl,
        PULUMI_CONFIG_PASSPHRASE: ctx.passphrase,
        // Plugin acquisition is left as the environment has it: the official CLI downloads the
        // plugins the program asks for; the engine built here switches it off (engine/env.sh).
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_STACK: ctx.stack,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ code: code ?? -1, stdout, stderr, seconds });
    });
  });
}

/** Like {@link pulumi} but throws with the command's output when it exits non-zero. */
export async function pulumiOk(ctx: PulumiContext, args: readonly string[]): Promise<CliResult> {
  const result = await pulumi(ctx, args);
  if (result.code !== 0) {
    throw new Error(
      `pulumi ${args.join(" ")} exited ${result.code}\n--- stdout\n${tail(result.stdout)}\n--- stderr\n${tail(result.stderr)}`,
    );
  }
  return result;
}

/** One step of `pulumi preview --json`, as far as the suite reads it. */
export interface PreviewStep {
  readonly op: string;
  readonly urn: string;
}

/** Parses `pulumi preview --json` output into its steps. */
export function previewSteps(stdout: string): PreviewStep[] {
  const parsed = JSON.parse(stdout) as { steps?: PreviewStep[] };
  return parsed.steps ?? [];
}

/** The resource type and name in a URN (`urn:pulumi:stack::project::type$type::name`). */
export function urnParts(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  const typeChain = parts[2] ?? "";
  const type = typeChain.split("$").pop() ?? typeChain;
  return { type, name: parts[3] ?? "" };
}

/** The last lines of a long output, for error messages. */
export function tail(text: string, lines = 40): string {
  return text.split("\n").slice(-lines).join("\n");
}
