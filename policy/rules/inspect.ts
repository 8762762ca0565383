// Pure helpers the rules share: recognising credentials, data services, pinned images and the
// stack a resource belongs to. Nothing here touches the policy runtime.
import { imageRefProblem } from "./pinned-image.js";

/** Env var names that carry a credential (password, token, key, secret, credentials). */
const CREDENTIAL_NAME =
  /(PASS(WORD|WD)?|SECRET(_?KEY)?|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?)$/i;

/** Values that are switches, not credentials (`MYSQL_RANDOM_ROOT_PASSWORD=yes`). */
const FLAG_VALUE = /^(yes|no|true|false|on|off|0|1)$/i;

/** Credentials a person would type; a generated secret is never one of these. */
const TYPED_DEFAULTS = new Set(["password", "changeme", "secret", "root", "admin", "microblog"]);

/** Generated secrets in this project are at least this long (components/secrets.ts). */
export const MIN_GENERATED_SECRET_LENGTH = 16;

/** True when an env var of this name carries a credential; `*_FILE` names point to a file. */
export function isCredentialName(name: string): boolean {
  return !/_FILE$/i.test(name) && CREDENTIAL_NAME.test(name);
}

/** True when a value is a switch such as `yes`, not a credential. */
export function isFlagValue(value: string): boolean {
  return FLAG_VALUE.test(value.trim());
}

/** The password in a URL's user info (`mysql://u:pw@host/db`), if any. */
export function urlPassword(value: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:([^@\s]*)@/i.exec(value);
  return m?.[1] === undefined ? undefined : decodeURIComponent(m[1]);
}

/** Why a credential value looks typed in rather than generated, or undefined when it does not. */
export function typedCredentialReason(value: string): string | undefined {
  if (value === "") return "is empty";
  if (TYPED_DEFAULTS.has(value.toLowerCase())) return "is a well-known default";
  if (value.length < MIN_GENERATED_SECRET_LENGTH) {
    return `is ${value.length} characters, shorter than a generated secret (${MIN_GENERATED_SECRET_LENGTH})`;
  }
  return undefined;
}

/** Splits `NAME=value`; a bare `NAME` has an empty value. */
export function splitEnv(entry: string): [string, string] {
  const i = entry.indexOf("=");
  return i < 0 ? [entry, ""] : [entry.slice(0, i), entry.slice(i + 1)];
}

/** Why an image reference is not pinned by version or digest (rules/pinned-image.ts), if so. */
export function unpinnedImageReason(ref: string): string | undefined {
  switch (imageRefProblem(ref)) {
    case "malformed":
      return `"${ref}" is not a valid image reference`;
    case "untagged":
      return `"${ref}" has no tag, so it means :latest`;
    case "latest":
      return `"${ref}" uses the moving tag "latest"`;
    default:
      return undefined;
  }
}

/** The stack name in a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function stackOf(urn: string): string {
  const m = /^urn:pulumi:([^:]+)::/.exec(urn);
  return m?.[1] ?? "";
}

/** Data services by what they run: MySQL/MariaDB or Elasticsearch/OpenSearch. */
export type DataKind = "mysql" | "search";

/** Where each data service keeps its data inside the container. */
export const DATA_PATHS: Readonly<Record<DataKind, readonly string[]>> = {
  mysql: ["/var/lib/mysql"],
  search: ["/usr/share/elasticsearch/data", "/usr/share/opensearch/data"],
};

/**
 * Which data service a container is, judged from its names, image and env var names (a
 * Docker container's image is often a bare image ID, so the name and env count too).
 */
export function dataKindOf(hints: {
  names: readonly string[];
  image?: string;
  envNames: readonly string[];
}): DataKind | undefined {
  const text = [...hints.names, hints.image ?? ""].join(" ").toLowerCase();
  if (/mysql|mariadb/.test(text) || hints.envNames.some((n) => /^(MYSQL|MARIADB)_/.test(n))) {
    return "mysql";
  }
  if (/elasticsearch|opensearch/.test(text) || hints.envNames.includes("discovery.type")) {
    return "search";
  }
  return undefined;
}

/** Images whose entrypoint starts as root and drops to its own user (mysql, ES, OpenSearch). */
export function dropsRootItself(kind: DataKind | undefined): boolean {
  return kind !== undefined;
}

/** True for `root`, `0`, `0:0`, `root:root` and the like. */
export function isRootUser(user: string): boolean {
  const who = user.split(":")[0]?.trim() ?? "";
  return who === "root" || who === "0";
}

/** The logical name at the end of a URN. */
export function logicalName(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}
