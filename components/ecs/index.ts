// Entry of the ECS target (placeholder until the AWS renderer lands).
import type { MicroblogConfig } from "../config.js";
import type { Secrets } from "../secrets.js";

/** Declares the whole system on AWS ECS. */
export function deployEcs(
  _config: MicroblogConfig,
  _secrets: Secrets,
  _appDir: string,
): Record<string, unknown> {
  throw new Error("target ecs is not implemented yet");
}
