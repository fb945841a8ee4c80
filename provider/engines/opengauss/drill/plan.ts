/** What a drill's preview says beyond the two switchover plans: its steps and the probe it will run. Pure. */
import type { Operation } from "../decide";
import type { Observed } from "../outputs";
import { type DrContext, runNode } from "../remote";
import { deadlineSeconds } from "../tasks";
import { DRILL_TABLE, dnHostOf, WRITE_INTERVAL_SECONDS, WRITE_TIMEOUT_SECONDS } from "./probe";

/** The lines after the header of a drill's plan (before the per-node switchover plans). */
export function drillLines(
  ctx: DrContext,
  op: Extract<Operation, { kind: "drill" }>,
  obs: Observed,
): string[] {
  const steps = `step 1: switchover ${op.from}->${op.to}${op.switchBack ? `; step 2: switchover ${op.to}->${op.from} (back to the declared primary ${op.from})` : ` (${op.to} stays primary, as declared)`}; a drill never fails over`;
  if (op.resume) {
    return [
      `drill ${op.id}: a step of this drill failed; its switchover ${op.from}->${op.to} is finished, then the pair switches back`,
      "  no probe runs: the failed drill's evidence (lastDrill) stands",
    ];
  }
  const d = ctx.args.drill;
  const database = d?.database ?? "postgres";
  const bound =
    deadlineSeconds({ task: "switchover", mode: "disaster_standby" }, ctx.args.timeoutSeconds) + 300;
  const host = (cluster: string, role: "Primary" | "Main Standby") => {
    const dev = dnHostOf(ctx, obs, cluster, role, runNode(ctx, cluster));
    return `${cluster}/${dev.name} (${role}, ${dev.sshIp})`;
  };
  const user = ctx.args.clusters[op.from]!.ssh.user;
  return [
    `drill ${op.id}: ${steps}`,
    `probe: a heartbeat writer on ${host(op.from, "Primary")} and on ${host(op.to, "Main Standby")}, started before and stopped after each switchover`,
    `  each: \`gsql -d ${database} -p <DN port>\` as ${user} on the local DN, one INSERT into ${DRILL_TABLE} every ${WRITE_INTERVAL_SECONDS} s (at most ${WRITE_TIMEOUT_SECONDS} s each), timestamped on the host; it stops by itself after ${bound} s`,
    `  ${DRILL_TABLE} (schema hadr_drill) is created on ${op.from} before the drill and dropped afterwards`,
    `  measured: the longest write outage per switchover, acknowledged rows missing afterwards${d?.maxWriteOutageSeconds !== undefined ? `; fails above ${d.maxWriteOutageSeconds} s of outage` : ""}; evidence in the output lastDrill`,
  ];
}
