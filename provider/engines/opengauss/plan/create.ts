/** The plan of **create** (docs/vendor/opengauss-gs_sdr.md §3.1–3.3). Pure. */
import { type DrParams, deriveDrParams } from "../drParams";
import { PlanBuilder, set } from "./common";
import { type DrPlan, type PlanInput, type PlanStep, START_WAL_KEEP_SEGMENTS } from "./model";
/** Plan of **create**: `gs_sdr -t start -m primary` on the primary and `-m disaster_standby` on the DR cluster (§3.1–3.3). */
export function planCreate(input: PlanInput): DrPlan {
  const b = new PlanBuilder(input);
  const primary = input.primary;
  const dr = b.other(primary);
  const drParams: Record<string, DrParams> = {};
  for (const c of b.names) drParams[c] = deriveDrParams(b.topo(c), b.topo(b.other(c)));
  for (const c of b.names) {
    const isPrimary = c === primary;
    const how = isPrimary ? "reload" : "set";
    const t = b.topo(c);
    b.missingSnapshots(c);
    b.commonCreateChecks(c);
    for (const dn of t.dataNodes) b.replconninfoCreate(c, dn, how);
    b.streamRunMode(c, isPrimary ? "cluster_primary" : "cluster_standby", "start");
    b.syncGucs(c);
    if (isPrimary) {
      for (const dn of b.primaryDns(c)) {
        const current = b.dnGuc(c, dn, "wal_keep_segments");
        const rel = b.rel(c);
        b.guc(
          {
            cluster: c,
            node: dn.name,
            component: "datanode",
            name: "wal_keep_segments",
            current,
            planned: set(START_WAL_KEEP_SEGMENTS),
            how: "reload",
            quoted: rel.walKeepQuoted,
            temporary:
              rel.walKeepRestore === "recorded"
                ? {
                    restoredTo: current,
                    when: `when start finishes (recorded in .wal_keep_segments_record on ${b.runNode(c)}; an instance missing from the record gets 128)`,
                  }
                : {
                    restoredTo: set("128"),
                    when: `when start finishes (OM ${rel.label} always restores 128: its record lookup never matches)`,
                  },
          },
          false,
        );
      }
      if (b.isDisasterCluster(c) === true) {
        b.problems.push({
          cluster: c,
          message:
            "cm_agent agent_backup_open is 1 or 2: this cluster is configured as a disaster-recovery cluster and cannot be started as primary",
        });
      }
      b.dcc(c, "backup_open", set("0"));
    } else {
      b.cm(c, "2");
      b.dcc(c, "backup_open", set("2"));
      b.notes.push({
        cluster: c,
        message:
          "the DR cluster is stopped and fully rebuilt from the primary cluster: the primary DN becomes the Main Standby, the others Cascade Standbys; logical replication slots are dropped",
      });
    }
    b.applyHba(c, [...b.standardHbaOps(c), ...b.drHbaOps(c)]);
    if (b.rel(c).segmentSource === "ip-type" && input.facts?.[c]?.ipType === null) {
      b.problems.push({
        cluster: c,
        message:
          "IP_TYPE is not exported in the env file: gs_sdr writes `host replication all <empty> sha256`, which gs_guc rejects; export IP_TYPE=ipv4",
      });
    }
  }
  b.notes.push({
    message: `both start commands must run at the same time (the primary waits for the main standby within --time-out)`,
  });
  b.notes.push({
    message:
      "the DR user is stored encrypted as hadr_user_info on the primary cluster; it cannot change after setup",
  });
  const steps: PlanStep[] = [
    { cluster: primary, node: b.runNode(primary), command: "gs_sdr -t start -m primary" },
    { cluster: dr, node: b.runNode(dr), command: "gs_sdr -t start -m disaster_standby" },
  ];
  return b.finish("create", primary, steps, drParams);
}
