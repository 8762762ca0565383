// The part of an ECS container definition the rules read. The provider takes the definitions
// as one JSON string, so nothing upstream checks their shape: parse defensively.
import { arr, obj } from "./values.js";

/** A container definition as ECS's API spells it (camelCase JSON), reduced to what rules read. */
export interface EcsContainer {
  readonly name?: string;
  readonly image?: string;
  readonly user?: string;
  readonly privileged?: boolean;
  readonly essential?: boolean;
  readonly memory?: number;
  readonly memoryReservation?: number;
  readonly environment?: readonly { readonly name?: string; readonly value?: string }[];
  readonly secrets?: readonly { readonly name?: string; readonly valueFrom?: string }[];
  readonly healthCheck?: { readonly command?: readonly string[] };
  readonly logConfiguration?: { readonly logDriver?: string };
  readonly mountPoints?: readonly {
    readonly sourceVolume?: string;
    readonly containerPath?: string;
  }[];
  readonly restartPolicy?: { readonly enabled?: boolean };
  readonly dockerLabels?: Readonly<Record<string, string>>;
}

/** Parsed definitions, or an error message saying why they could not be read. */
export function parseContainerDefinitions(raw: unknown): EcsContainer[] | string {
  let value: unknown = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch (e) {
      return `containerDefinitions is not valid JSON: ${(e as Error).message}`;
    }
  }
  if (!Array.isArray(value)) return "containerDefinitions is not a JSON array";
  const bad = value.findIndex((c) => obj(c) === undefined);
  if (bad >= 0) return `containerDefinitions[${bad}] is not an object`;
  return value as EcsContainer[];
}

/** Task-level volumes by name, with their EFS configuration when they have one. */
export function efsVolumes(props: Record<string, unknown>): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const v of arr(props.volumes)) {
    const vol = obj(v);
    const efs = obj(vol?.efsVolumeConfiguration);
    if (vol && efs && typeof vol.name === "string") out.set(vol.name, efs);
  }
  return out;
}
