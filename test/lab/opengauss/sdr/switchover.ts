/**
 * `gs_sdr -t switchover -m disaster_standby` (demote the primary cluster, §3.4) and
 * `-m primary` (promote the DR cluster, §3.5), `StreamingSwitchoverHandler`.
 */
import { lines, type StreamingBase } from "./base";
import { checkActionAndMode, readStep } from "./cabin";
import { CABIN_FILES } from "./consts";
import { checkDnInstanceParams } from "./dnconfig";
import { gauss51632, LogExit, SdrException } from "./errors";
import { sleep } from "./exec";
import { failoverStages, restoreReadOnly, setReadOnly } from "./failover_stages";
import { queryStep, stepDone, stepFileRemoved } from "./start";
import { mappedClusterState, normalDns, primaryDns } from "./status";

async function parseConfFromFile(base: StreamingBase): Promise<void> {
  base.logger.log("Parse cluster conf from file.");
  if (!base.loadClusterConfRecord())
    throw new LogExit(gauss51632("check cluster conf, cluster_conf_record is lost"));
  base.logger.log("Successfully parse cluster conf from file.");
}

async function allNormal(base: StreamingBase): Promise<boolean> {
  const st = await base.liveStatus();
  return mappedClusterState(st) === "Normal" && st.dns.length > 0 && normalDns(st).length === st.dns.length;
}

async function demote(base: StreamingBase): Promise<void> {
  const stepKey = "switchover_standby";
  base.logger.log("Start streaming disaster switchover.");
  checkActionAndMode(base.env.pghost, stepKey);
  if (await base.isDisasterCluster()) {
    throw new LogExit(
      gauss51632(
        "streaming disaster cluster switchover, Because the disaster_standby cluster [drClusterMode] parameter must be primary",
      ),
    );
  }
  base.logger.log("Waiting for cluster and all instances normal.");
  if (!(await allNormal(base))) throw new LogExit(gauss51632("check cluster status"));
  await base.initClusterStatus();
  await base.parseClusterStatus();
  await parseConfFromFile(base);
  await checkDnInstanceParams(base);
  base.checkIsUnderUpgrade();
  await base.createMaintanceFile("streaming switchover");
  await base.updateStreamingInfo("cluster", "switchover");
  const step = queryStep(base, stepKey, "switchover");
  try {
    if (step < 1) {
      await base.updateStreamingInfo("switchover", "10%");
      await base.stopCluster();
      await base.startCluster(300, 300);
      const st = await base.liveStatus();
      for (const d of primaryDns(st)) {
        const r = await base.sql(d, "select * from gs_streaming_dr_in_switchover();", 60000, false);
        if (lines(r.stdout)[0] !== "t")
          throw new SdrException(gauss51632("generate switchover barrier before switchover"));
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
      const r = await base.gucAll("set", "stream_cluster_run_mode = 'cluster_standby'");
      if (r.code !== 0) base.logger.debug("Failed to set stream_cluster_run_mode (ignored).");
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
    await rollback(base, stepKey);
    throw new SdrException(`[GAUSS-51632] : Failed to do switchover.Error:${(e as Error).message}`);
  }
  await base.removeCabinFileAll(CABIN_FILES.switchoverStat);
  stepFileRemoved(base, stepKey);
  base.logger.log("Successfully do streaming disaster recovery switchover.");
}

async function rollback(base: StreamingBase, stepKey: string): Promise<void> {
  const step = readStep(base.env.pghost, stepKey);
  let need = step < 4;
  if (!need) {
    const q = await base.local("cm_ctl query -Cv", 60000);
    need = /Main Standby Need repair\((Disconnected|Connecting)\)/.test(q.stdout);
  }
  try {
    if (need) {
      base.logger.log("Roll back streaming disaster cluster switchover...");
      await base.setDcc(base.backupOpenKey(), "0");
      await base.stopCluster();
      await base.gucAll("set", "backup_open=0", "cmserver");
      await base.gucAll("set", "agent_backup_open=0", "cmagent");
      base.logger.log(
        "Successfully modify cma and cms parameters to start according to primary cluster mode",
      );
      await base.updateStreamingInfo("cluster", "archive");
      await base.startCluster(300, 300);
      base.logger.log("Successfully Roll back streaming disaster cluster switchover.");
      await restoreReadOnly(base);
    }
    if (step < 1) await base.removeMaintanceFile();
  } catch (e) {
    base.logger.debug(`Roll back failed: ${(e as Error).message}`);
  }
  stepFileRemovedQuiet(base, stepKey);
}

function stepFileRemovedQuiet(base: StreamingBase, stepKey: string): void {
  try {
    stepFileRemoved(base, stepKey);
  } catch {
    // nothing to remove
  }
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
  const deadline600 = Date.now() + 600 * 1000;
  while (!(await allNormal(base))) {
    if (Date.now() >= deadline600) {
      throw new LogExit(gauss51632("check cluster and instances status with timeout: 600s"));
    }
    await sleep(5000);
  }
  const step0 = readStep(base.env.pghost, stepKey);
  if (step0 < 0) await base.initClusterStatus();
  await base.parseClusterStatus();
  await parseConfFromFile(base);
  await checkDnInstanceParams(base);
  base.checkIsUnderUpgrade();
  await base.createMaintanceFile("streaming switchover");
  await base.updateStreamingInfo("cluster", "switchover");
  const step = queryStep(base, stepKey, "switchover");
  try {
    if (step < 2) {
      base.logger.log("Waiting for switchover barrier.");
      const deadline = Date.now() + base.params.timeout * 1000;
      for (;;) {
        const st = await base.liveStatus();
        const dns = normalDns(st);
        let ok = dns.length > 0;
        for (const d of dns) {
          const r = await base.sql(d, "select * from gs_streaming_dr_get_switchover_barrier();", 30000);
          if (lines(r.stdout)[0] !== "t") ok = false;
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
  if (base.params.mode === "primary") await promote(base);
  else await demote(base);
}
