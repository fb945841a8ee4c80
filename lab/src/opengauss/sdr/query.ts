/** `gs_sdr -t query` (§4, `StreamingQueryHandler.run`): read-only, no lock. */
import { lines, type StreamingBase } from "./base";
import { readCabin } from "./cabin";
import { CABIN_FILES, SQL_RPO_RTO, SQL_WAL_RECEIVER, SQL_WAL_SENDERS } from "./consts";
import { pyDict } from "./start";
import { mainStandbyDns, mappedClusterState, primaryDns } from "./status";

/** Max of integer lines, '' when none or any is not an integer. */
function maxInt(ls: string[]): string {
  if (ls.length === 0) return "";
  const nums = ls.map((l) => (/^-?\d+$/.test(l) ? Number.parseInt(l, 10) : Number.NaN));
  if (nums.some((n) => Number.isNaN(n))) return "";
  return String(Math.max(...nums));
}

/** Runs `query`. */
export async function runQuery(base: StreamingBase): Promise<void> {
  base.logger.log("Start streaming disaster query.");
  base.checkIsUnderUpgrade();
  const st = await base.parseClusterStatus(true);
  const cs = mappedClusterState(st);
  const healthy = cs === "Normal" || cs === "Degraded";
  const prim = primaryDns(st);
  const mains = mainStandbyDns(st);
  const former = readCabin(base.env.pghost, CABIN_FILES.clusterStat) ?? "normal";
  base.loadClusterConfRecord();
  let result: string | undefined;
  base.logger.log("Start check archive.");
  if (former === "archive" || former === "archive_fail") {
    result = "archive_fail";
    if (healthy && mains.length === 0 && prim[0]) {
      const r = await base.sql(prim[0], SQL_WAL_SENDERS);
      if (r.code === 0 && lines(r.stdout).length > 0) result = "archive";
    }
  }
  base.logger.log("Start check recovery.");
  if (former === "recovery" || former === "recovery_fail") {
    result = "recovery_fail";
    if (healthy && prim.length === 0 && mains[0]) {
      // ≤ 5.1.0 has no walreceiver check: recovery whatever the DR link does
      if (!base.env.om.drQueryChecksWalreceiver) result = "recovery";
      else {
        const r = await base.sql(mains[0], SQL_WAL_RECEIVER);
        if (r.code !== 0 || lines(r.stdout).length > 0) result = "recovery";
      }
    }
  }
  const stat = result ?? former;
  const failover = stat === "promote" ? (readCabin(base.env.pghost, CABIN_FILES.failoverStat) ?? "0%") : "";
  const switchover =
    stat === "switchover" ? (readCabin(base.env.pghost, CABIN_FILES.switchoverStat) ?? "0%") : "";
  base.logger.log("Start check RPO & RTO.");
  let rpo = "";
  let rto = "";
  if (prim[0]) {
    const r = await base.sql(prim[0], SQL_RPO_RTO);
    if (r.code === 0) {
      const ls = lines(r.stdout);
      const half = Math.floor(ls.length / 2);
      rpo = maxInt(ls.slice(0, half));
      rto = maxInt(ls.slice(half));
    }
  }
  base.logger.log("Successfully executed streaming disaster recovery query, result:");
  base.logger.log(
    pyDict({
      hadr_cluster_stat: stat,
      hadr_failover_stat: failover,
      hadr_switchover_stat: switchover,
      RPO: rpo,
      RTO: rto,
    }),
  );
}
