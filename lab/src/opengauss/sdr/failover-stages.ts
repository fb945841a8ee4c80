/**
 * `base.streaming_failover_single_inst`: the stages shared by `failover` and `switchover -m primary`
 * (§3.5 step 3, §3.6), with the `*_for_failover` step names.
 */

import { shq } from "../../core/shell";
import type { StreamingBase } from "./base";
import { readCabin, writeCabin } from "./cabin";
import { CABIN_FILES } from "./consts";
import { removeAllStreamReplInfos, removeStreamingPgHba, restoreGucParams } from "./dnconfig";
import { gauss51632, SdrException } from "./errors";
import { stepDone } from "./start";
import { mappedClusterState } from "./status";

/**
 * Saves cm_server `enable_transaction_read_only` and turns it off; DN `default_transaction_read_only=on`. OM 5.0.0's
 * switchover has no read-only toggle: nothing.
 */
export async function setReadOnly(base: StreamingBase): Promise<void> {
  if (!base.env.om.switchoverReadOnlyToggle) return;
  writeCabin(base.env.pghost, "../.switch_readonly_stat_file", '{"enable_transaction_read_only": "on"}');
  await base.gucAll("set", "enable_transaction_read_only=off", "cmserver");
  await base.gucAll("set", "default_transaction_read_only=on");
}

/**
 * `default_transaction_read_only=off` (`gs_guc reload`, or `set` as the demote rollback does) and restores
 * cm_server's `enable_transaction_read_only` (not on 5.0.0).
 */
export async function restoreReadOnly(base: StreamingBase, mode: "reload" | "set" = "reload"): Promise<void> {
  if (!base.env.om.switchoverReadOnlyToggle) return;
  const r = await base.gucAll(mode, "default_transaction_read_only=off");
  if (r.code !== 0 && mode === "reload") await base.gucAll("set", "default_transaction_read_only=off");
  const saved = readCabin(base.env.pghost, "../.switch_readonly_stat_file");
  const v = saved ? (/"enable_transaction_read_only":\s*"([^"]*)"/.exec(saved)?.[1] ?? "on") : "on";
  await base.gucAll("set", `enable_transaction_read_only=${v}`, "cmserver");
  await base.local(`rm -f ${shq(`${base.env.pghost}/.switch_readonly_stat_file`)}`);
}

/** Runs the shared promote stages; `action` picks the progress key and the failover-only parts. */
export async function failoverStages(
  base: StreamingBase,
  action: "failover" | "switchover",
  stepKey: string,
  step: number,
): Promise<void> {
  const failover = action === "failover";
  if (step < 0) {
    await base.updateStreamingInfo(action, "10%");
    await base.initClusterStatus();
    await base.parseClusterStatus();
    stepDone(base, stepKey, "0_check_cluster_status_done_for_failover");
  }
  let term = Number(readCabin(base.env.pghost, CABIN_FILES.maxTerm) ?? "0");
  if (step < 1) {
    term = await base.getMaxTerm();
    await base.setDcc(`/${base.env.osUser}/CMServer/${base.env.om.termKey}`, String(term));
    await base.setDcc(base.backupOpenKey(), "0");
    writeCabin(base.env.pghost, CABIN_FILES.maxTerm, String(term));
    stepDone(base, stepKey, "1_start_etcd_done_for_failover");
  }
  if (step < 2) {
    if (failover) {
      await base.dropHadrSlots();
      await base.updateStreamingInfo(action, "30%");
    }
    await base.stopClusterByNode();
    stepDone(base, stepKey, "2_stop_cluster_done_for_failover");
  }
  if (step < 3) {
    await base.gucAll("set", "backup_open=0", "cmserver");
    await base.gucAll("set", "agent_backup_open=0", "cmagent");
    if (failover) await base.setDcc(base.backupOpenKey(), "0");
    await base.setStreamRunMode("cluster_primary");
    stepDone(base, stepKey, "3_set_backup_open_for_failover");
    if (!failover) await setReadOnly(base);
  }
  if (failover && step < 4) {
    await base.updateStreamingInfo(action, "50%");
    await removeAllStreamReplInfos(base, "set");
    await removeStreamingPgHba(base, true);
    await base.updateStreamingInfo(action, "70%");
    stepDone(base, stepKey, "4_remove_hba_repl_done_for_failover");
  }
  if (step < 5) {
    await base.updateStreamingInfo(action, "80%");
    if (failover) {
      // ≤ 5.1.0 selects DNs whose role is "Primary" (get_specified_dn_infos' default): none on a DR cluster
      const role = base.env.om.failoverNotifiesMainStandby ? "Main Standby" : "Primary";
      for (const d of base.status.dns.filter((x) => x.state === role)) {
        const s = await base.on(d.nodeIp, `gs_ctl start -D ${shq(d.dataPath)} -M pending -t 600`, {
          timeoutMs: 660000,
        });
        if (s.code !== 0) {
          throw new SdrException(
            gauss51632(`start primary dn ${d.instanceId} with error:${(s.stdout + s.stderr).trim()}`),
          );
        }
        const n = base.faults.hit("notify")
          ? { code: 1, stdout: "", stderr: "gs_ctl: notify primary failed: the server did not respond" }
          : await base.on(d.nodeIp, `gs_ctl notify -D ${shq(d.dataPath)} -M primary -T ${term} -t 600`, {
              timeoutMs: 660000,
            });
        if (n.code !== 0) {
          throw new SdrException(
            gauss51632(`config primary dn ${d.instanceId} with error:${(n.stdout + n.stderr).trim()}`),
          );
        }
      }
    }
    stepDone(base, stepKey, "5_start_primary_dn_done");
  }
  if (step < 6) {
    await base.startCluster(300, 300);
    const st = mappedClusterState(await base.liveStatus());
    if (st !== "Normal" && st !== "Degraded") throw new SdrException(gauss51632("check cluster status"));
    if (!failover) await restoreReadOnly(base);
    if (failover) {
      await base.cleanHadrUserInfo();
      await restoreGucParams(base);
    }
    await base.dropArchiveSlots();
    if (failover) await base.updateStreamingInfo(action, "100%");
    await base.updateStreamingInfo("cluster", failover ? "normal" : "archive");
  }
}
