/**
 * RecoveryPolicy proven on real replication, through the real Pulumi CLI: on the lab's V8R6 cluster (PostgreSQL
 * 15 streaming under the community repmgr, repmgrd failing over, the kbha stand-in applying `recovery=`), each
 * mode is applied, a machine is powered off (`host-down`), the cluster fails over, the machine comes back
 * (`host-up`), and the documented outcome is asserted on database roles and rows; refresh then shows the new
 * primary and the recovery in the outputs. V8R3: a policy change while network_rewind.sh recovers
 * (`KB_RECOVERY_FLAG`) is refused at preview. One stack per version; the lab is reset between modes.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, before, describe, test } from "node:test";
import type { LabInfo } from "pulumi-hadr-lab";
import { ensureLab, hostPower, labCli, sshExec } from "pulumi-hadr-lab";
import { TestProject } from "../support/project";
import { policyOutputs, policyProgram, policySpec } from "./policy-support";

const PROGRAM = policyProgram([
  "effective",
  "clusterNodes",
  "primary",
  "lastRecovery",
  "health",
  "healthState",
]);

const R6 = "/home/kingbase/cluster/R6HA/kingbase";
const PG = "/usr/lib/postgresql/15/bin";

let lab: LabInfo;
let key: string;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** One SQL statement on a node's database as esrep: its output, or null when the database does not answer. */
async function sql(ip: string, query: string): Promise<string | null> {
  const r = await sshExec(
    lab,
    ip,
    "kingbase",
    `${PG}/psql -h ${R6}/run -p 54321 -U esrep -d esrep -qAt -c ${JSON.stringify(query)}`,
    { timeoutMs: 15_000 },
  );
  return r.code === 0 ? r.stdout.trim() : null;
}

/** Polls until `probe` returns a non-null value or `ms` passes (then fails naming `what`). */
async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== null) return v;
    await sleep(1000);
  }
  throw new Error(`${what}: not within ${ms / 1000} s`);
}

/** The node among `ips` whose database answers as primary. */
function newPrimary(ips: string[]): Promise<string> {
  return waitFor("a standby promoted by repmgrd", 60_000, async () => {
    for (const ip of ips) if ((await sql(ip, "select pg_is_in_recovery()")) === "f") return ip;
    return null;
  });
}

/** Whether a node's database is down (pg_ctl status over SSH). */
async function dbDown(ip: string): Promise<boolean> {
  return (await sshExec(lab, ip, "kingbase", `${PG}/pg_ctl -D ${R6}/data status`)).code !== 0;
}

async function reset(): Promise<void> {
  const r = await labCli(["reset"]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
}

before(
  async () => {
    lab = await ensureLab({ engines: ["kingbase-v8r3", "kingbase-v8r6"] });
    key = fs.readFileSync(lab.clientKeyPath, "utf8");
    await reset();
  },
  { timeout: 900_000 },
);

describe("V8R6: each recovery mode on a real failover", { timeout: 1_200_000 }, () => {
  let p: TestProject;
  let ips: string[];
  const mode = async (m: string, extra: Record<string, unknown> = {}) => {
    await p.config("policy", JSON.stringify(policySpec(lab, "kbv8r6", { mode: m, ...extra })));
    await p.world.ok(["up", "--yes", "--skip-preview"]);
  };

  before(async () => {
    ips = lab.clusters["kbv8r6"]!.hosts.map((h) => h.ip);
    p = await TestProject.create("kbrecovery", PROGRAM);
    await p.config("sshKey", key, true);
  });
  after(async () => {
    try {
      await labCli(["reset"]);
      await p?.world.run(["destroy", "--yes", "--skip-preview"]);
    } finally {
      p?.dispose();
    }
  });

  test("automatic: the old primary is rewound and rejoins as a standby with the new primary's rows; refresh shows the new primary and the rejoin", async () => {
    const [n1, n2, n3] = ips as [string, string, string];
    await mode("automatic", { acknowledgeDataLoss: true });
    const o = await policyOutputs(p);
    assert.equal(o["healthState"], "healthy", String(o["health"]));
    assert.equal(o["primary"], n1);
    assert.equal((o["clusterNodes"] as unknown[]).length, 3);
    assert.equal(await sql(n1, "create table probe(x int); insert into probe values (1); select 1"), "1");

    await hostPower("down", n1);
    const primary = await newPrimary([n2, n3]);
    assert.equal(await sql(primary, "insert into probe values (2); select count(*) from probe"), "2");
    await hostPower("up", n1);
    await waitFor("the old primary streaming again", 240_000, async () =>
      (await sql(n1, "select pg_is_in_recovery()")) === "t" ? true : null,
    );
    await waitFor("row 2 on the rejoined node", 30_000, async () =>
      (await sql(n1, "select string_agg(x::text, ',' order by x) from probe")) === "1,2" ? true : null,
    );

    // out of band for Pulumi: refresh reads the new state
    await p.world.ok(["refresh", "--yes", "--skip-preview"]);
    const r = await policyOutputs(p);
    assert.equal(r["primary"], primary);
    const last = r["lastRecovery"] as { node: string; outcome: string; at: string };
    assert.equal(last.node, n1);
    assert.equal(last.outcome, "rejoined");
    assert.match(last.at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const me = (r["clusterNodes"] as Array<{ host: string; role: string; state: string }>).find(
      (n) => n.host === n1,
    );
    assert.deepEqual([me?.role, me?.state], ["standby", "running"]);
    assert.equal(r["healthState"], "healthy", String(r["health"]));
  });

  test("standby: a failed standby comes back and re-attaches; a returning old primary is refused and stays down", async () => {
    await reset();
    const [n1, n2, n3] = ips as [string, string, string];
    await mode("standby");
    await hostPower("down", n3);
    assert.equal(await sql(n1, "create table probe(x int); insert into probe values (1); select 1"), "1");
    await hostPower("up", n3);
    await waitFor("the standby re-attached with the new row", 60_000, async () =>
      (await sql(n3, "select count(*) from probe")) === "1" ? true : null,
    );
    assert.equal(await sql(n3, "select pg_is_in_recovery()"), "t");

    await hostPower("down", n1);
    const primary = await newPrimary([n2, n3]);
    await hostPower("up", n1);
    const r = await waitFor("the refusal in the outputs", 60_000, async () => {
      await p.world.ok(["refresh", "--yes", "--skip-preview"]);
      const o = await policyOutputs(p);
      const last = o["lastRecovery"] as { node: string; outcome: string; reason: string } | null;
      return last?.node === n1 && last.outcome === "refused" ? o : null;
    });
    assert.match((r["lastRecovery"] as { reason: string }).reason, /not confirmed a standby node/);
    assert.ok(await dbDown(n1), "the old primary is not rejoined");
    assert.equal(r["primary"], primary);
    assert.equal(r["healthState"], "degraded");
    assert.match(String(r["health"]), new RegExp(`node ${n1.replace(/\./g, "\\.")} down`));
  });

  test("manual: a failed node stays out; nothing is recovered automatically", async () => {
    await reset();
    const [n1, , n3] = ips as [string, string, string];
    await mode("manual");
    await hostPower("down", n3);
    assert.equal(await sql(n1, "create table probe(x int); select 1"), "1");
    await hostPower("up", n3);
    await sleep(15_000); // kbha checks every second; a recovery would have begun by now
    assert.ok(await dbDown(n3), "the failed standby stays down");
    const log = await sshExec(lab, n3, "kingbase", `cat ${R6}/log/hamgr.log`);
    assert.doesNotMatch(log.stdout, /begin to do auto-recovery/);
    await p.world.ok(["refresh", "--yes", "--skip-preview"]);
    const o = await policyOutputs(p);
    assert.equal(o["healthState"], "degraded");
    assert.equal(o["primary"], n1);
    assert.equal(o["lastRecovery"], null);
  });
});

describe("V8R3: a policy change while network_rewind.sh recovers is refused at preview", {
  timeout: 600_000,
}, () => {
  let p: TestProject;
  const FLAG = "/dev/shm/KB_RECOVERY_FLAG";

  before(async () => {
    p = await TestProject.create("kbr3flag", PROGRAM);
    await p.config("sshKey", key, true);
  });
  after(async () => {
    try {
      await labCli(["reset"]);
    } finally {
      p?.dispose();
    }
  });

  test("KB_RECOVERY_FLAG with a live PID blocks preview naming the node; nothing is edited", async () => {
    const host = lab.clusters["kbv8r3"]!.hosts[1]!.ip;
    // a live process stands for the running network_rewind.sh
    const r = await sshExec(
      lab,
      host,
      "kingbase",
      `setsid sleep 300 </dev/null >/dev/null 2>&1 & printf '1\\n%s\\n' $! > ${FLAG}; cat ${FLAG}`,
    );
    assert.equal(r.code, 0, r.stderr);
    await p.config("policy", JSON.stringify(policySpec(lab, "kbv8r3", { mode: "manual" })));
    const before = await sshExec(lab, host, "kingbase", "sudo -n cat /etc/cron.d/KINGBASECRON");
    const pv = await p.world.run(["preview"]);
    assert.notEqual(pv.code, 0);
    assert.match(pv.stdout + pv.stderr, /nodes\[1\].*KB_RECOVERY_FLAG set, PID \d+/s);
    const after = await sshExec(lab, host, "kingbase", "sudo -n cat /etc/cron.d/KINGBASECRON");
    assert.equal(after.stdout, before.stdout);
    await sshExec(lab, host, "kingbase", `kill $(sed -n 2p ${FLAG}); rm -f ${FLAG}`);
  });
});
