/**
 * The plan of **delete** (docs/vendor/opengauss-gs_sdr.md §3.6–3.8, §6.10). Only the unit tests call it: the
 * controller's delete runs the gs_sdr tasks without showing a plan. Pure.
 */
import { parseGucBackup, restoredSynchronousCommit } from "../parsers/cabin";
import { PlanBuilder, set } from "./common";
import type { DrPlan, PlanInput, PlanStep } from "./model";
/** Plan of **delete**: `gs_sdr -t failover` on the DR cluster, then `gs_sdr -t stop` on the primary (§3.6–3.8, §6.10). */
export function planDelete(input: PlanInput): DrPlan {
  const b = new PlanBuilder(input);
  const primary = input.primary;
  const dr = b.other(primary);
  for (const c of b.names) {
    const isDr = c === dr;
    const t = b.topo(c);
    const how = isDr ? "set" : "reload";
    b.missingSnapshots(c);
    for (const dn of t.dataNodes) b.replconninfoRemove(c, dn, how);
    // restore_guc_params
    const backupText = input.facts?.[c]?.streamingGucBackup;
    if (backupText === undefined) {
      b.notes.push({
        cluster: c,
        message:
          ".streaming_guc_backup was not read: synchronous_commit is restored to its recorded value (on/off; any other value → off)",
      });
    } else {
      const entry = parseGucBackup(backupText).find((e) => e.name === "synchronous_commit");
      if (entry) b.allDns(c, "synchronous_commit", set(restoredSynchronousCommit(entry.oldValue)), "reload");
    }
    if (t.dataNodes.length <= 2) {
      b.notes.push({
        cluster: c,
        message: "left behind: most_available_sync=on (gs_sdr never restores it with ≤ 2 DNs)",
      });
    }
    if (isDr) {
      b.streamRunMode(c, "cluster_primary", "failover");
      b.failoverNotifyNote(c);
      b.cm(c, "0");
      b.dcc(c, "backup_open", set("0"));
      b.dcc(c, b.termKey(c), set("max DN term + 100"));
      b.applyHba(c, [...b.standardHbaOps(c), ...b.drHbaOps(c), ...b.removeHbaOps(c)]);
      if (b.isDisasterCluster(c) === false) {
        b.problems.push({
          cluster: c,
          message:
            "cm_agent agent_backup_open is 0: this is not a disaster-recovery cluster, and gs_sdr -t failover refuses to run on a primary cluster",
        });
      }
      b.notes.push({
        cluster: c,
        message:
          "failover promotes the Main Standby to Primary (replication slots dn_*_hadr dropped); the relationship cannot be resumed, only rebuilt",
      });
    } else {
      b.applyHba(c, [...b.standardHbaOps(c), ...b.removeHbaOps(c)]);
      b.notes.push({
        cluster: c,
        message:
          "stop leaves stream_cluster_run_mode and cm backup_open/agent_backup_open as they are (cluster_primary / 0)",
      });
    }
    if (b.rel(c).replicationTrustLines) {
      const lines = b
        .remoteDataIps(c)
        .map((ip) => `host    replication    ${b.pgUser(c)}    ${ip}/32    trust`);
      b.notes.push({
        cluster: c,
        message: `left behind in pg_hba.conf (OM master never removes it): ${lines.join("; ")}`,
      });
    }
    b.notes.push({
      cluster: c,
      message: "hadr_user_info is dropped and $PGHOST/streaming_cabin is removed on every node",
    });
  }
  const steps: PlanStep[] = [
    { cluster: dr, node: b.runNode(dr), command: "gs_sdr -t failover" },
    { cluster: primary, node: b.runNode(primary), command: "gs_sdr -t stop" },
  ];
  return b.finish("delete", primary, steps, {});
}
