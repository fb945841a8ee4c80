/**
 * Which resources of a stack are pulumi-hadr's, for both front-ends: the dynamic provider registers them as
 * `pulumi-nodejs:dynamic/hadr:<Class>` (older SDKs: `pulumi-nodejs:dynamic:Resource`, recognised by the
 * `__hadrName` marker and the shape of the inputs), the native provider as `hadr:index:<Class>`. Pure.
 */

/** The pulumi-hadr resource classes the policies know. */
export type HadrKind = "DrRelationship" | "RecoveryPolicy";

/** A resource as a policy sees it: its type token, name and properties (inputs or outputs). */
export interface ResourceView {
  /** Type token, e.g. `hadr:index:DrRelationship`. */
  type: string;
  /** The resource's name. */
  name: string;
  /** Its properties (analyze: checked inputs; stack analysis: outputs). */
  props: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The pulumi-hadr class of a resource, or null when it is not one of ours. */
export function hadrKind(r: Pick<ResourceView, "type" | "props">): HadrKind | null {
  for (const kind of ["DrRelationship", "RecoveryPolicy"] as const) {
    if (r.type === `hadr:index:${kind}` || r.type === `pulumi-nodejs:dynamic/hadr:${kind}`) return kind;
  }
  // A dynamic resource of an SDK that ignores the module/type arguments: only the marker and shape tell.
  if (!r.type.startsWith("pulumi-nodejs:dynamic") || typeof r.props.__hadrName !== "string") return null;
  if (isObject(r.props.clusters) && isObject(r.props.drUser)) return "DrRelationship";
  if (Array.isArray(r.props.nodes) && "mode" in r.props) return "RecoveryPolicy";
  return null;
}

/**
 * Every SSH login of a pulumi-hadr resource with its property path: `clusters.<name>.ssh` of a
 * DrRelationship, `nodes[i].ssh` and `nodes[i].rootSsh` of a RecoveryPolicy.
 */
export function sshLogins(kind: HadrKind, props: Record<string, unknown>): Array<[string, unknown]> {
  if (kind === "DrRelationship") {
    const clusters = isObject(props.clusters) ? props.clusters : {};
    return Object.entries(clusters).map(([n, c]) => [`clusters.${n}.ssh`, isObject(c) ? c.ssh : undefined]);
  }
  const nodes = Array.isArray(props.nodes) ? props.nodes : [];
  return nodes.flatMap(
    (n, i): Array<[string, unknown]> =>
      isObject(n)
        ? [
            [`nodes[${i}].ssh`, n.ssh],
            [`nodes[${i}].rootSsh`, n.rootSsh],
          ]
        : [],
  );
}

/** True when an SSH login object opts out of host-key verification. */
export function isInsecure(ssh: unknown): boolean {
  return isObject(ssh) && ssh.insecure === true;
}
