/** Shared builders of policy args and node snapshots for the KingbaseES unit tests. */
import { type PolicySpec, parseRecoveryPolicy } from "../../../provider/engines/kingbase/schema";
import type { V8r3NodeSnapshot, V8r6NodeSnapshot } from "../../../provider/engines/kingbase/snapshot";
import { FP, fixture, KEY } from "./fixtures";

/** Parsed V8R3 args for hosts 127.0.3.1/2 with sudo. */
export function v8r3Args(mode: "manual" | "standby" | "automatic"): PolicySpec {
  const hosts = ["127.0.3.1", "127.0.3.2"];
  return parseRecoveryPolicy({
    engine: "kingbase-v8r3",
    sshKey: { privateKey: KEY },
    mode,
    acknowledgeDataLoss: mode === "automatic",
    nodes: hosts.map((host) => ({
      host,
      ssh: { hostKeys: { [host]: FP } },
      rootAccess: "sudo",
    })),
  });
}

/** Parsed V8R6 args for hosts 127.0.4.1/2. */
export function v8r6Args(
  mode: "manual" | "standby" | "automatic",
  apply: "restart-daemons" | "file-only" = "restart-daemons",
): PolicySpec {
  const hosts = ["127.0.4.1", "127.0.4.2"];
  return parseRecoveryPolicy({
    engine: "kingbase-v8r6",
    sshKey: { privateKey: KEY },
    mode,
    apply,
    acknowledgeDataLoss: mode === "automatic",
    nodes: hosts.map((host) => ({ host, ssh: { hostKeys: { [host]: FP } } })),
  });
}

/** A V8R3 snapshot from the vendor fixtures (standby mode: cron active, APR=0). */
export function v8r3Snap(host: string, over: Partial<V8r3NodeSnapshot> = {}): V8r3NodeSnapshot {
  const ha = fixture("v8r3/HAmodule.conf").replace(
    'KB_LOCALHOST_IP="127.0.3.1"',
    `KB_LOCALHOST_IP="${host}"`,
  );
  return {
    engine: "kingbase-v8r3",
    host,
    cronFile: fixture("v8r3/KINGBASECRON"),
    haModuleDb: ha,
    haModuleCluster: ha,
    recoveryFlag: "0\n",
    recoveryFlagPidAlive: null,
    ...over,
  };
}

/** A V8R6 snapshot from the vendor fixture (recovery='standby'), daemons started after the file changed. */
export function v8r6Snap(host: string, over: Partial<V8r6NodeSnapshot> = {}): V8r6NodeSnapshot {
  return {
    engine: "kingbase-v8r6",
    host,
    repmgrConf: fixture("v8r6/repmgr.conf").replace("host=127.0.4.1", `host=${host}`),
    repmgrConfMtimeMs: 1_700_000_000_000,
    repmgrd: { pid: 4242, startTimeMs: 1_700_000_100_000 },
    kbha: { pid: 4243, startTimeMs: 1_700_000_050_000 },
    ...over,
  };
}
