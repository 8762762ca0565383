// Minimal typing of js-yaml (a dependency of @pulumi/pulumi) for the tests and scripts that
// read and write stack YAML files.
declare module "js-yaml" {
  /** Parses one YAML document. */
  export function load(text: string): unknown;
  /** Serialises a value as one YAML document (lineWidth -1: never fold long strings). */
  export function dump(value: unknown, options?: { lineWidth?: number }): string;
}
