/** `gs_sdr -t failover` on the DR cluster (§3.6, `StreamingFailoverHandler`). */
import type { StreamingBase } from "./base";
import { checkActionAndMode } from "./cabin";
import { gauss51632, LogExit, SdrException } from "./errors";
import { failoverStages } from "./failover-stages";
import { queryStep, stepFileRemoved } from "./start";

/** Runs `failover`. */
export async function runFailover(base: StreamingBase): Promise<void> {
  const stepKey = "failover";
  base.logger.log("Start streaming disaster failover.");
  checkActionAndMode(base.env.pghost, stepKey);
  const step = queryStep(base, stepKey, "failover");
  if (step < 3 && !(await base.isDisasterCluster())) {
    throw new LogExit(
      gauss51632(
        "streaming disaster cluster failover, Because the primary cluster does not support failover",
      ),
    );
  }
  if (step < 0) {
    await base.parseClusterStatus(true);
    await base.checkClusterStatus(["Normal", "Degraded"]);
  } else {
    await base.parseClusterStatus();
  }
  base.checkIsUnderUpgrade();
  if (!base.loadClusterConfRecord())
    throw new LogExit(gauss51632("check cluster conf, cluster_conf_record is lost"));
  await base.createMaintanceFile("streaming failover");
  try {
    await base.updateStreamingInfo("cluster", "promote");
    await failoverStages(base, "failover", stepKey, step);
    await base.updateStreamingInfo("cluster", "normal");
    stepFileRemoved(base, stepKey);
  } catch (e) {
    await base.updateStreamingInfo("cluster", "promote_fail");
    throw new SdrException(`[GAUSS-51632] : Failed to do centralize failover.Error:${(e as Error).message}`);
  } finally {
    await base.removeMaintanceFile();
  }
  await base.cleanStreamingDir();
  base.logger.log("Successfully do streaming disaster recovery failover.");
}
