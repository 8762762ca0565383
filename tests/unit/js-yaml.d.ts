// Minimal typing of js-yaml (a dependency of @pulumi/pulumi) for the tests that read the
// stack YAML files.
declare module "js-yaml" {
  /** Parses one YAML document. */
  export function load(text: string): unknown;
}
