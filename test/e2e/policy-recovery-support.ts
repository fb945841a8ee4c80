/**
 * Helpers of the RecoveryPolicy-on-real-replication e2e files (policy-recovery*.test.ts): SQL on a lab
 * KingbaseES node's database, bounded polling, finding the promoted primary, and the lab reset.
 */
import assert from "node:assert/strict";
import type { LabInfo } from "pulumi-hadr-lab";
import { labCli, sshExec } from "pulumi-hadr-lab";
import { policyProgram } from "./policy-support";

/** The stack program: a RecoveryPolicy exporting its policy state and the observed cluster. */
export const RECOVERY_PROGRAM = policyProgram([
  "effective",
  "clusterNodes",
  "primary",
  "lastRecovery",
  "health",
  "healthState",
]);

/** PostgreSQL 15 binaries on the lab hosts. */
const PG = "/usr/lib/postgresql/15/bin";

/** How to reach one version's database on a lab node. */
export interface LabDb {
  /** Socket directory. */
  socket: string;
  user: string;
  database: string;
  dataDir: string;
}

/** V8R6: install dir `/home/kingbase/cluster/R6HA/kingbase`, repmgr's `esrep`. */
export const R6_DB: LabDb = {
  socket: "/home/kingbase/cluster/R6HA/kingbase/run",
  user: "esrep",
  database: "esrep",
  dataDir: "/home/kingbase/cluster/R6HA/kingbase/data",
};

/** V8R3: cluster path `/home/kingbase/cluster/HAR3`, HAmodule.conf's `KB_USER` / `KB_DATANAME`. */
export const R3_DB: LabDb = {
  socket: "/home/kingbase/cluster/HAR3/run",
  user: "SUPERMANAGER_V8ADMIN",
  database: "TEST",
  dataDir: "/home/kingbase/cluster/HAR3/db/data",
};

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** One SQL statement on a node's database: its output, or null when the database does not answer. */
export async function sql(lab: LabInfo, db: LabDb, ip: string, query: string): Promise<string | null> {
  const r = await sshExec(
    lab,
    ip,
    "kingbase",
    `${PG}/psql -h ${db.socket} -p 54321 -U ${db.user} -d ${db.database} -qAt -c ${JSON.stringify(query)}`,
    { timeoutMs: 15_000 },
  );
  return r.code === 0 ? r.stdout.trim() : null;
}

/** Polls until `probe` returns a non-null value or `ms` passes (then fails naming `what`). */
export async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== null) return v;
    await sleep(1000);
  }
  throw new Error(`${what}: not within ${ms / 1000} s`);
}

/** The node among `ips` whose database answers as primary (after the cluster's HA promoted it). */
export function newPrimary(lab: LabInfo, db: LabDb, ips: string[]): Promise<string> {
  return waitFor("a standby promoted by the cluster's HA", 60_000, async () => {
    for (const ip of ips) if ((await sql(lab, db, ip, "select pg_is_in_recovery()")) === "f") return ip;
    return null;
  });
}

/** Whether a node's database is down (pg_ctl status over SSH). */
export async function dbDown(lab: LabInfo, db: LabDb, ip: string): Promise<boolean> {
  return (await sshExec(lab, ip, "kingbase", `${PG}/pg_ctl -D ${db.dataDir} status`)).code !== 0;
}

/** `lab reset` (every fault undone, databases back to their first state). */
export async function labReset(): Promise<void> {
  const r = await labCli(["reset"]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
}
