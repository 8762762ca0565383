// The one definition of a "pinned image", shared by the policy pack and the Pulumi program's
// config validation (components/config-schema.ts imports this file by relative path). Pure and
// dependency-free, so either package can load it.

/** Why a reference is not a pinned image: unparsable, no tag or digest, or the moving `latest`. */
type ImageRefProblem = "malformed" | "untagged" | "latest";

/** What a pinned reference looks like, for messages. */
export const PINNED_IMAGE_EXAMPLE =
  "a pinned reference such as mysql:8.4.6 or repo@sha256:<digest> (not latest)";

/** A local image ID as Docker reports it (`sha256:<hex>`), which names exact content. */
const LOCAL_IMAGE_ID = /^sha256:[0-9a-f]{12,64}$/;

// [registry[:port]/]path[:tag][@sha256:<64 hex>]; lower-case path parts.
const IMAGE_REF =
  /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(@sha256:[a-f0-9]{64})?$/;

/**
 * Judges an image reference: undefined when it is pinned (a digest, a local image ID, or a tag
 * other than `latest`; a digest wins over any tag).
 */
export function imageRefProblem(ref: string): ImageRefProblem | undefined {
  if (LOCAL_IMAGE_ID.test(ref)) return undefined;
  const m = IMAGE_REF.exec(ref);
  if (m === null) return "malformed";
  const [, tag, digest] = m;
  if (digest !== undefined) return undefined;
  if (tag === undefined) return "untagged";
  return tag === "latest" ? "latest" : undefined;
}
