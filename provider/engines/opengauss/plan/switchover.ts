/** The plan of a planned **switchover** (docs/vendor/opengauss-gs_sdr.md §3.4–3.5). Pure. */
import { InternalError } from "../../../errors";
import { formatPlanValue, PlanBuilder, set, valueIs } from "./common";
import type { DrPlan, PlanInput, PlanStep } from "./model";
/** Plan of a planned **switchover** to `newPrimary` (§3.4–3.5): which GUCs and CM settings flip on each side. */
export function planSwitchover(input: PlanInput, newPrimary: string): DrPlan {
  const b = new PlanBuilder(input);
  const old = input.primary;
  if (newPrimary === old || !b.names.includes(newPrimary)) {
    throw new InternalError(`switchover needs the other cluster as new primary, got "${newPrimary}"`);
  }
  for (const c of b.names) {
    const promote = c === newPrimary;
    b.missingSnapshots(c);
    b.streamRunMode(c, promote ? "cluster_primary" : "cluster_standby", "switchover");
    if (!promote) {
      // check_dn_instance_params on the demote side (its DNs are the only "Primary" ones): values that differ are
      // recorded in .streaming_guc_backup and set on every DN.
      const decider = b.primaryDns(c)[0]!;
      for (const name of ["synchronous_commit", "most_available_sync"] as const) {
        if (name === "most_available_sync" && b.topo(c).dataNodes.length > 2) continue;
        const current = b.dnGuc(c, decider, name);
        if (valueIs(current, "on")) continue;
        b.allDns(c, name, set("on"), "reload");
        b.notes.push({
          cluster: c,
          message: `${name} is recorded in .streaming_guc_backup (now ${formatPlanValue(current, name)}); ${name === "most_available_sync" ? "never restored with ≤ 2 DNs" : "stop/failover restore it as on/off, any other value as off"}`,
        });
      }
    }
    for (const dn of b.rel(c).switchoverReadOnlyToggle ? b.topo(c).dataNodes : []) {
      b.guc(
        {
          cluster: c,
          node: dn.name,
          component: "datanode",
          name: "default_transaction_read_only",
          current: b.dnGuc(c, dn, "default_transaction_read_only"),
          planned: set("on"),
          how: "set",
          temporary: { restoredTo: set("off"), when: "when the cluster has restarted in its new role" },
        },
        false,
      );
    }
    if (!b.rel(c).switchoverReadOnlyToggle)
      b.notes.push({
        cluster: c,
        message: `OM ${b.rel(c).label}'s switchover does not toggle default_transaction_read_only`,
      });
    if (promote && b.rel(c).switchoverLeavesMaintenanceFile) b.maintenanceFileLeftover(c);
    b.cm(c, promote ? "0" : "2");
    b.dcc(c, "backup_open", set(promote ? "0" : "2"));
    if (promote) b.dcc(c, b.termKey(c), set("max DN term + 100"));
    const disaster = b.isDisasterCluster(c);
    if (promote && disaster === false) {
      b.problems.push({
        cluster: c,
        message:
          "cm_agent agent_backup_open is 0: not a disaster-recovery cluster, switchover -m primary refuses to run",
      });
    }
    if (!promote && disaster === true) {
      b.problems.push({
        cluster: c,
        message:
          "cm_agent agent_backup_open is 1 or 2: a DR cluster cannot be demoted (switchover -m disaster_standby)",
      });
    }
    for (const dn of b.topo(c).dataNodes) {
      if (valueIs(b.dnGuc(c, dn, "enable_dcf"), "on")) {
        b.problems.push({
          cluster: c,
          node: dn.name,
          message: "enable_dcf is on: gs_sdr requires enable_dcf=off",
        });
      }
    }
    b.notes.push({
      cluster: c,
      message: promote
        ? "its Main Standby becomes Primary (CM promotes it), the Cascade Standbys become Standbys"
        : "its primary DN becomes the Main Standby of the new primary cluster, the others Cascade Standbys; cm_server enable_transaction_read_only is turned off during the switchover and restored",
    });
  }
  b.notes.push({ message: "replconninfo and pg_hba.conf are not changed by a switchover" });
  b.notes.push({
    message:
      "if the demote side rolls back, stream_cluster_run_mode stays cluster_standby in postgresql.conf (gs_sdr does not revert it)",
  });
  b.notes.push({
    message:
      "both switchover commands must run at the same time (the promote side waits for the switchover barrier)",
  });
  const steps: PlanStep[] = [
    { cluster: old, node: b.runNode(old), command: "gs_sdr -t switchover -m disaster_standby" },
    { cluster: newPrimary, node: b.runNode(newPrimary), command: "gs_sdr -t switchover -m primary" },
  ];
  return b.finish("switchover", newPrimary, steps, {});
}
