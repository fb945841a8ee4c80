/** `gs_sdr -t stop` on the primary cluster (§3.7, §3.8, `StreamingStopHandler`). */
import * as fs from "node:fs";
import { shq } from "../../core/shell";
import type { StreamingBase } from "./base";
import { cabinDir, cabinFile, checkActionAndMode } from "./cabin";
import { CABIN_FILES } from "./consts";
import { removeAllStreamReplInfos, removeStreamingPgHba, restoreGucParams } from "./dnconfig";
import { gauss51632, LogExit } from "./errors";
import { queryStep, stepDone } from "./start";
import { mainStandbyDns } from "./status";

/** Runs `stop`. */
export async function runStop(base: StreamingBase): Promise<void> {
  const stepKey = "stop";
  base.logger.log("Start remove streaming disaster relationship.");
  const step = queryStep(base, stepKey, "stop");
  if (base.env.om.stopNeedsCabin && step === -1 && !fs.existsSync(cabinDir(base.env.pghost))) {
    throw new LogExit("No need to stop because the cluster is not a disaster cluster.");
  }
  if (step < 2) {
    await base.initClusterStatus();
    await base.parseClusterStatus();
    checkActionAndMode(base.env.pghost, stepKey);
    await base.checkClusterStatus(["Normal"]);
    if (mainStandbyDns(base.status).length > 0) {
      throw new LogExit(gauss51632("check cluster type, standby cluster is not supported for stop"));
    }
    base.logger.log("Check cluster type succeed.");
    base.checkIsUnderUpgrade();
    stepDone(base, stepKey, "2_check_cluster_step");
  } else {
    await base.parseClusterStatus();
  }
  if (step < 3) {
    await removeAllStreamReplInfos(base, "reload");
    base.logger.log("Start remove cluster file.");
    await base.onAll(`rm -f ${shq(cabinFile(base.env.pghost, CABIN_FILES.clusterConf))}`);
    base.logger.log("Finished remove cluster file.");
    stepDone(base, stepKey, "3_remove_config_step");
  }
  if (step < 4) {
    await removeStreamingPgHba(base, false);
    await restoreGucParams(base);
    stepDone(base, stepKey, "4_remove_pg_hba_step");
  }
  if (step < 5) {
    await base.dropHadrSlots();
    stepDone(base, stepKey, "5_update_config_step");
  }
  if (step < 6) {
    await base.checkClusterStatus(["Normal"], true);
    await base.cleanHadrUserInfo();
    await base.updateStreamingInfo("cluster", "normal");
    await base.cleanStreamingDir();
  }
  base.logger.log("Successfully do streaming disaster recovery stop.");
}
