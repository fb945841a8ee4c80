/** Builds the `LoadedState` a stand-in daemon records after reading repmgr.conf. */
import type { LoadedState } from "../daemon-state";
import type { LoadedConf } from "./options";

/** The state file content for `daemon` started at `startedAt` with configuration `conf`. */
export function loadedState(daemon: LoadedState["daemon"], conf: LoadedConf, startedAt: number): LoadedState {
  const s = conf.settings;
  return {
    daemon,
    pid: process.pid,
    startedAt,
    confPath: conf.confPath,
    confMtimeMs: conf.mtimeMs,
    recovery: s["recovery"] ?? "",
    failover: s["failover"] ?? "",
    autoClusterRecoveryLevel: s["auto_cluster_recovery_level"] ?? "",
    useCheckDisk: s["use_check_disk"] ?? "",
    reconnectAttempts: s["reconnect_attempts"] ?? "",
    reconnectInterval: s["reconnect_interval"] ?? "",
    settings: { ...s },
  };
}
