/**
 * The evidence a drill leaves: the `lastDrill` output, its verdict, and the small Markdown report
 * `pulumi-hadr drill-report` prints from it (pure).
 */

/** The `lastDrill` output of a DrRelationship. */
export interface LastDrill {
  /** `drill.id`. */
  id: string;
  /** ISO 8601 times the drill started and ended. */
  startedAt: string;
  finishedAt: string;
  /** The declared primary it switched over from, and the cluster it switched over to. */
  from: string;
  to: string;
  /** Wall time of the switchover (both gs_sdr sides and the settle wait); null when it did not finish. */
  switchoverSeconds: number | null;
  /** Same for the switch back; null without `switchBack` or when it did not run. */
  switchbackSeconds: number | null;
  /** The longest time no heartbeat write was acknowledged, over all switchovers of the drill. */
  writeOutageSeconds: number | null;
  /** The same per switchover, in order (switchover, then switch back). */
  writeOutagesSeconds: Array<number | null>;
  /** Heartbeat rows acknowledged. */
  rowsWritten: number;
  /** Rows acknowledged but missing afterwards. */
  rowsLost: number;
  /** RPO and RTO gs_sdr reported just before the drill. */
  rpoSecondsBefore: number | null;
  rtoSecondsReported: number | null;
  /** `passed`, or `failed: <why>`. */
  result: string;
  /** Clock steps the probe saw on a writer's host (the outage is computed without them). */
  clockSteps: string[];
  /** Set when a later `pulumi up` finished what a failed drill left (the switchover, then the switch back). */
  resumedAt?: string;
}

/** The verdict from the measurements: `passed`, or `failed: ` and every reason. */
export function verdict(
  d: Pick<LastDrill, "writeOutageSeconds" | "rowsLost">,
  maxWriteOutageSeconds: number | undefined,
  problems: readonly string[],
): string {
  const why = [...problems];
  if (d.rowsLost > 0) why.push(`${d.rowsLost} acknowledged row(s) lost`);
  if (
    maxWriteOutageSeconds !== undefined &&
    d.writeOutageSeconds !== null &&
    d.writeOutageSeconds > maxWriteOutageSeconds
  )
    why.push(`write outage ${d.writeOutageSeconds} s above maxWriteOutageSeconds ${maxWriteOutageSeconds}`);
  return why.length === 0 ? "passed" : `failed: ${why.join("; ")}`;
}

const secs = (s: number | null | undefined): string => (s === null || s === undefined ? "n/a" : `${s} s`);

/** True when `v` has the shape of a {@link LastDrill} (what `pulumi stack output` gives back). */
export function isLastDrill(v: unknown): v is LastDrill {
  const d = v as Partial<LastDrill> | null;
  return (
    typeof d === "object" &&
    d !== null &&
    typeof d.id === "string" &&
    typeof d.result === "string" &&
    typeof d.startedAt === "string"
  );
}

/** The Markdown report of a drill (`title`: e.g. the stack or resource it belongs to). */
export function drillReport(d: LastDrill, title?: string): string {
  const outages = (d.writeOutagesSeconds ?? []).map(secs);
  const lines = [
    `# DR drill ${d.id}${title ? ` — ${title}` : ""}`,
    "",
    `**Result: ${d.result}**`,
    "",
    "| | |",
    "| --- | --- |",
    `| started | ${d.startedAt} |`,
    `| finished | ${d.finishedAt} |`,
    `| switchover | ${d.from} → ${d.to}: ${secs(d.switchoverSeconds)} |`,
    `| switch back | ${d.switchbackSeconds === null ? "not run" : `${d.to} → ${d.from}: ${secs(d.switchbackSeconds)}`} |`,
    `| longest write outage | ${secs(d.writeOutageSeconds)}${outages.length > 1 ? ` (per switchover: ${outages.join(", ")})` : ""} |`,
    `| heartbeat rows acknowledged | ${d.rowsWritten} |`,
    `| acknowledged rows lost | ${d.rowsLost} |`,
    `| RPO before (gs_sdr) | ${secs(d.rpoSecondsBefore)} |`,
    `| RTO reported (gs_sdr) | ${secs(d.rtoSecondsReported)} |`,
  ];
  if (d.resumedAt)
    lines.push(`| resumed | ${d.resumedAt} (the failed step was finished by a later \`pulumi up\`) |`);
  if ((d.clockSteps ?? []).length > 0) lines.push(`| clock steps seen | ${d.clockSteps.join("; ")} |`);
  lines.push(
    "",
    "The write outage is measured by a heartbeat writer on each cluster's primary DN host (gsql as the",
    "cluster's OS user, one row every ~200 ms, host timestamps); a row is lost when its INSERT was",
    "acknowledged but the row is missing on the final primary. RPO and RTO are gs_sdr's own figures.",
    "",
  );
  return lines.join("\n");
}
