/**
 * RecoveryPolicy proven on real replication, through the real Pulumi CLI: on the lab's V8R6 cluster (PostgreSQL
 * 15 streaming under the community repmgr, repmgrd failing over, the kbha stand-in applying `recovery=`), each
 * mode is applied, a machine is powered off (`host-down`), the cluster fails over, the machine comes back
 * (`host-up`), and the documented outcome is asserted on database roles and rows; refresh then shows the new
 * primary and the recovery in the outputs. One stack; the lab is reset between modes. V8R3:
 * policy-recovery-v8r3.test.ts.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, before, describe, test } from "node:test";
import type { LabInfo } from "pulumi-hadr-lab";
import { ensureLab, hostPower, labCli, sshExec } from "pulumi-hadr-lab";
import { TestProject } from "../support/project";
import {
  dbDown as dbDown_,
  labReset,
  newPrimary as newPrimary_,
  R6_DB,
  RECOVERY_PROGRAM,
  sleep,
  sql as sql_,
  waitFor,
} from "./policy-recovery-support";
import { policyOutputs, policySpec } from "./policy-support";

const PROGRAM = RECOVERY_PROGRAM;

let lab: LabInfo;
let key: string;

const sql = (ip: string, query: string) => sql_(lab, R6_DB, ip, query);
const newPrimary = (ips: string[]) => newPrimary_(lab, R6_DB, ips);
const dbDown = (ip: string) => dbDown_(lab, R6_DB, ip);
const reset = labReset;
const R6 = "/home/kingbase/cluster/R6HA/kingbase";

before(
  async () => {
    lab = await ensureLab({ engines: ["kingbase-v8r6"] });
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
