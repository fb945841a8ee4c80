/**
 * The drill's record on the hosts: a marker `~/.pulumi-hadr/drill/<id>.drill` on the run node of the cluster a
 * drill starts from, written when it starts and when it ends. check() sees stored inputs only (never the
 * `lastDrill` output), and a failed `up` keeps the old inputs, so this marker is how a preview knows that a
 * drill id already ran — and whether it failed part-way — exactly as apply does (like gs_sdr's own run
 * markers, D7). The observation reads every marker of both run nodes (`observe.ts`).
 */
import { ToolError } from "../../../errors";
import { type DrContext, onNode, READ_TIMEOUT_MS, runNode } from "../remote";
import { DRILL_DIR } from "./probe";

/** Where a drill stands: `started` (it ran and did not end: a killed `up`), `passed`, `failed`, `resumed`. */
export type DrillMark = "started" | "passed" | "failed" | "resumed";

/** One marker as read. */
export interface DrillMarker {
  id: string;
  mark: DrillMark;
}

/** Reads every marker (one line each); never fails. */
export const DRILL_MARKERS = `cat "${DRILL_DIR}"/*.drill 2>/dev/null; true`;

const MARKS: readonly string[] = ["started", "passed", "failed", "resumed"];

/** Parses {@link DRILL_MARKERS}' output; lines that are not markers are ignored. */
export function parseDrillMarkers(text: string | undefined): DrillMarker[] {
  return (text ?? "").split("\n").flatMap((l) => {
    const m = /^id=(\S+) mark=(\S+)$/.exec(l.trim());
    return m && MARKS.includes(m[2]!) ? [{ id: m[1]!, mark: m[2] as DrillMark }] : [];
  });
}

/** True when the drill ran and did not end well (a step failed, or the run was cut off). */
export function markedFailed(mark: DrillMark): boolean {
  return mark === "started" || mark === "failed";
}

/** Writes (replaces) the marker of drill `id` on `cluster`'s run node. */
export async function writeDrillMarker(
  ctx: DrContext,
  cluster: string,
  id: string,
  mark: DrillMark,
): Promise<void> {
  const host = runNode(ctx, cluster).sshIp;
  const file = `"${DRILL_DIR}/${id}.drill"`;
  const r = await onNode(
    ctx,
    cluster,
    host,
    `mkdir -p "${DRILL_DIR}" && chmod 700 "${DRILL_DIR}" && echo "id=${id} mark=${mark}" > ${file}`,
    { timeoutMs: READ_TIMEOUT_MS, step: "drill marker" },
  );
  if (r.code !== 0)
    throw new ToolError(`could not write the drill marker ${file} on ${host}`, r.stderr.trim(), {
      where: { cluster, node: host, step: "drill marker" },
    });
}
