/** The Docker CLI for the end-to-end tests: output as text, failures as exceptions. */
import { execFileSync } from "node:child_process";

/** Runs `docker <args>` and returns its trimmed stdout; throws when it exits non-zero. */
export const docker = (...args: string[]): string =>
  execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

/** Whether container `container` runs the image `ref` names (compared by image id). */
export function runsImage(container: string, ref: string): { ok: boolean; detail: string } {
  const running = docker("inspect", "--format", "{{.Image}}", container);
  const expected = docker("image", "inspect", "--format", "{{.Id}}", ref);
  return {
    ok: running === expected,
    detail: `${container} runs ${running}; ${ref} is ${expected}`,
  };
}
