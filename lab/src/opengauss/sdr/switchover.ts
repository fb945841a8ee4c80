/**
 * `gs_sdr -t switchover -m disaster_standby` (demote the primary cluster, §3.4) and
 * `-m primary` (promote the DR cluster, §3.5), `StreamingSwitchoverHandler`.
 *
 * `check_switchover_workable` raises plain exceptions (stdout line + traceback, exit 1): the mode checks,
 * the demote side's single "Normal and every DN normal" check, the promote side's 600 s wait for the same
 * (`HADR_LAB_SDR_PROMOTE_WAIT` overrides the 600 in the lab only; the default is the real one).
 * The demote side rolls itself back on any failure in its stages (see `rollback`).
 */
import { lines, type StreamingBase } from "./base";
import { checkActionAndMode } from "./cabin";
import { CABIN_FILES } from "./consts";
import { checkDnInstanceParams } from "./dnconfig";
import { gauss51632, LogExit, SdrException } from "./errors";
import { sleep } from "./exec";
import { failoverStages, restoreReadOnly, setReadOnly } from "./failover-stages";
import { queryStep, stepDone, stepFileRemoved } from "./start";
import { type InstanceStatus, mappedClusterState, normalDns, primaryDns } from "./status";

/** The promote side's hard-coded wait for a Normal DR cluster (seconds); an env var shortens it in the lab. */
function promoteWaitSeconds(): number {
  const v = Number(process.env["HADR_LAB_SDR_PROMOTE_WAIT"]);
  return Number.isInteger(v) && v > 0 ? v : 600;
}

async function parseConfFromFile(base: StreamingBase): Promise<void> {
  base.logger.log("Parse cluster conf from file.");
  if (!base.loadClusterConfRecord())
    throw new LogExit(gauss51632("check cluster conf, cluster_conf_record is lost"));
  base.logger.log("Successfully parse cluster conf from file.");
}

async function demote(base: StreamingBase): Promise<void> {
  const stepKey = "switchover_standby";
  base.logger.log("Start streaming disaster switchover.");
  checkActionAndMode(base.env.pghost, stepKey);
  if (await base.isDisasterCluster()) {
    throw new SdrException(
      gauss51632(
        "streaming disaster cluster switchover, Because the disaster_standby cluster [drClusterMode] parameter must be primary",
      ),
    );
  }
  base.logger.log("Waiting for cluster and all instances normal.");
  // one check, no waiting: cluster_state Normal and every DN normal
  await base.initClusterStatus();
  const st0 = await base.parseClusterStatus();
  if (
    mappedClusterState(st0) !== "Normal" ||
    st0.dns.length === 0 ||
    normalDns(st0).length !== st0.dns.length
  )
    throw new SdrException(gauss51632("check cluster status"));
  await parseConfFromFile(base);
  await checkDnInstanceParams(base);
  base.checkIsUnderUpgrade();
  await base.createMaintanceFile("streaming switchover");
  await base.updateStreamingInfo("cluster", "switchover");
  const step = queryStep(base, stepKey, "switchover");
  // the maintance files go with a rollback only when the failure is inside stage 1 (master 80e7e11)
  let canDeleteMaintance = false;
  try {
    if (step < 1) {
      canDeleteMaintance = true;
      await base.updateStreamingInfo("switchover", "10%");
      await base.stopCluster();
      await base.startCluster(300, 300);
      const st = await base.liveStatus();
      const prims = primaryDns(st);
      if (prims.length === 0) throw new SdrException(gauss51632("obtain primary dns for switchover"));
      for (const d of prims) {
        const r = await base.sql(d, "select * from gs_streaming_dr_in_switchover();", 60000, false);
        if (base.faults.hit("barrier") || r.code !== 0 || lines(r.stdout)[0] !== "t") {
          base.logger.error(
            `Failed to execute the command: select * from gs_streaming_dr_in_switchover();, Error:\n${(r.stdout + r.stderr).trim()}`,
          );
          throw new SdrException(gauss51632("generate switchover barrier before switchover"));
        }
      }
      base.logger.log("Waiting for truncation.");
      const deadline = Date.now() + 1200 * 1000;
      for (;;) {
        let ok = true;
        for (const d of primaryDns(st)) {
          const r = await base.sql(d, "select * from gs_streaming_dr_service_truncation_check();");
          if (lines(r.stdout)[0] !== "t") ok = false;
        }
        if (ok) break;
        if (Date.now() >= deadline)
          throw new SdrException(gauss51632("check truncate service before switchover"));
        await sleep(5000);
      }
      canDeleteMaintance = false;
      stepDone(base, stepKey, "1_streaming_disaster_set_master_in_switchover");
    }
    if (step < 2) {
      await base.updateStreamingInfo("switchover", "30%");
      await base.setDcc(base.backupOpenKey(), "2");
      await base.stopCluster();
      stepDone(base, stepKey, "2_stop_cluster_for_switchover");
    }
    if (step < 3) {
      await base.gucAll("set", "backup_open=2", "cmserver");
      await base.gucAll("set", "agent_backup_open=2", "cmagent");
      await base.setStreamRunMode("cluster_standby");
      stepDone(base, stepKey, "3_set_backup_open_2_done");
      await setReadOnly(base);
    }
    if (step < 4) {
      await base.updateStreamingInfo("switchover", "50%");
      await base.removeMaintanceFile();
      await base.startCluster(300, 300);
      stepDone(base, stepKey, "4_start_cluster_done");
    }
    if (step < 5) {
      await restoreReadOnly(base);
      await base.waitClusterNormal(base.params.timeout);
      await base.dropHadrSlots();
      await base.updateStreamingInfo("cluster", "recovery");
    }
  } catch (e) {
    const msg = (e as Error).message;
    base.logger.error(`Failed to do streaming disaster cluster switchover, Error: \n${msg}`);
    // a failure inside the rollback replaces this error (and keeps the step file), as in the real code
    await rollback(base, stepKey, canDeleteMaintance);
    throw new SdrException(`[GAUSS-51632] : Failed to do switchover.Error:${msg}`);
  }
  await base.removeCabinFileAll(CABIN_FILES.switchoverStat);
  stepFileRemoved(base, stepKey);
  base.logger.log("Successfully do streaming disaster recovery switchover.");
}

/**
 * The demote side's rollback (§3.4): re-reads the step; when it is below 4, or `cm_ctl query -Cv` shows the
 * main standby `Need repair(Disconnected|Connecting)`, puts the cluster back in primary mode: DCC
 * backup_open=0, stop, cm_server/cm_agent backup_open=0, state `archive`, start, then
 * `default_transaction_read_only=off` with **gs_guc set** (file only: when the failure came before stage 5,
 * whose reload already turned it off, the running DNs stay read-only until restarted — as with the real
 * tool) and cm_server `enable_transaction_read_only` restored. `stream_cluster_run_mode` is not reverted.
 * The step file is deleted in any case.
 */
async function rollback(base: StreamingBase, stepKey: string, canDeleteMaintance: boolean): Promise<void> {
  const step = queryStep(base, stepKey, "switchover");
  base.logger.debug(`Roll back switchover step:${step}`);
  if (canDeleteMaintance) await base.removeMaintanceFile();
  let need = step < 4;
  if (!need) {
    const q = await base.local("cm_ctl query -Cv", 60000);
    if (q.code !== 0 || !q.stdout.trim())
      throw new SdrException(gauss51632("query cluster status when check rollback condition"));
    need = /Main Standby Need repair\((Disconnected|Connecting)\)/.test(q.stdout);
    base.logger.debug(`Successfully check rollback condition: ${need ? "True" : "False"}.`);
  }
  if (need) {
    base.logger.log("Roll back streaming disaster cluster switchover...");
    await base.setDcc(base.backupOpenKey(), "0");
    await base.stopCluster();
    await base.gucAll("set", "backup_open=0", "cmserver");
    await base.gucAll("set", "agent_backup_open=0", "cmagent");
    base.logger.log("Successfully modify cma and cms parameters to start according to primary cluster mode");
    await base.updateStreamingInfo("cluster", "archive");
    await base.startCluster(300, 300);
    base.logger.log("Successfully Roll back streaming disaster cluster switchover.");
    await restoreReadOnly(base, "set");
  }
  stepFileRemoved(base, stepKey);
}

async function promote(base: StreamingBase): Promise<void> {
  const stepKey = "switchover_primary";
  base.logger.log("Start streaming disaster switchover.");
  checkActionAndMode(base.env.pghost, stepKey);
  if (!(await base.isDisasterCluster())) {
    throw new LogExit(
      gauss51632(
        "streaming disaster cluster switchover, Because the primary cluster [drClusterMode] parameter must be disaster_standby",
      ),
    );
  }
  base.logger.log("Waiting for cluster and all instances normal.");
  const deadline600 = Date.now() + promoteWaitSeconds() * 1000;
  let normal: InstanceStatus[] = [];
  for (;;) {
    await base.initClusterStatus();
    const st = await base.parseClusterStatus();
    normal = normalDns(st);
    if (mappedClusterState(st) === "Normal" && st.dns.length > 0 && normal.length === st.dns.length) break;
    if (Date.now() >= deadline600) {
      throw new SdrException(gauss51632("check cluster and instances status with timeout: 600s"));
    }
    await sleep(5000);
  }
  await parseConfFromFile(base);
  await checkDnInstanceParams(base);
  base.checkIsUnderUpgrade();
  await base.createMaintanceFile("streaming switchover");
  await base.updateStreamingInfo("cluster", "switchover");
  const step = queryStep(base, stepKey, "switchover");
  try {
    // not gated by the step: every run (also a resumed one) waits for the barrier on the DNs that were
    // normal at the pre-check
    {
      base.logger.log("Waiting for switchover barrier.");
      const deadline = Date.now() + base.params.timeout * 1000;
      for (;;) {
        let ok = true;
        for (const d of normal) {
          const r = await base.sql(d, "select * from gs_streaming_dr_get_switchover_barrier();", 30000);
          if (base.faults.hit("barrier") || r.code !== 0 || lines(r.stdout)[0] !== "t") ok = false;
        }
        if (ok) break;
        if (Date.now() >= deadline) {
          await base.local("cm_ctl stop -t 300; cm_ctl start -t 300", 700000);
          throw new SdrException(
            gauss51632(
              `check switchover_barrier on all main standby dn Because check timeout: ${base.params.timeout}s`,
            ),
          );
        }
        await sleep(5000);
      }
    }
    await failoverStages(base, "switchover", stepKey, step);
  } catch (e) {
    await base.updateStreamingInfo("cluster", "promote_fail");
    throw new SdrException(`[GAUSS-51632] : Failed to do switchover.Error:${(e as Error).message}`);
  }
  await base.removeCabinFileAll(CABIN_FILES.switchoverStat);
  stepFileRemoved(base, stepKey);
  base.logger.log("Successfully do streaming disaster recovery switchover.");
}

/** Runs `switchover` for the mode in `base.params.mode`. */
export async function runSwitchover(base: StreamingBase): Promise<void> {
  try {
    if (base.params.mode === "primary") await promote(base);
    else await demote(base);
  } finally {
    // every release but master removes cluster_maintance in run()'s `finally`; master's promote side keeps it
    if (base.env.om.maintenanceFileFinally) await base.removeMaintanceFile();
  }
}
