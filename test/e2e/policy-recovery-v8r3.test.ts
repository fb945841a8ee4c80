/**
 * RecoveryPolicy proven on real replication on KingbaseES V8R3, through the real Pulumi CLI: the lab's V8R3
 * cluster is a PostgreSQL 15 streaming pair under the kingbasecluster stand-in (which fails over when the
 * primary's machine vanishes) with a cron runner that executes the active KINGBASECRON lines, so
 * network_rewind.sh recovers — or fences — exactly as the files the policy edits say. Each mode is applied,
 * a machine is powered off (`host-down`), the cluster fails over, the machine comes back (`host-up`), and the
 * documented outcome (spec §1.4) is asserted on database roles and rows; refresh then shows the new primary
 * and the recovery event. Also: a policy change while network_rewind.sh recovers (`KB_RECOVERY_FLAG`) is
 * refused at preview. One stack; the lab is reset between modes.
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
  R3_DB,
  RECOVERY_PROGRAM,
  sleep,
  sql as sql_,
  waitFor,
} from "./policy-recovery-support";
import { policyOutputs, policySpec } from "./policy-support";

const PROGRAM = RECOVERY_PROGRAM;

const R3 = "/home/kingbase/cluster/HAR3";
const FLAG = "/dev/shm/KB_RECOVERY_FLAG";

let lab: LabInfo;
let key: string;
let ips: string[];

const sql = (ip: string, query: string) => sql_(lab, R3_DB, ip, query);
const dbDown = (ip: string) => dbDown_(lab, R3_DB, ip);

/** The lab cron runner's period (seconds): a recovery starts within one round. */
function tick(): number {
  return Number(lab.clusters["kbv8r3"]!.extra?.["cronTickSeconds"] ?? 60);
}

/** What a node's network_rewind.sh last saved from `show pool_nodes` (KB_CLUSTER_STATUS). */
async function poolView(ip: string): Promise<string> {
  return (await sshExec(lab, ip, "kingbase", `cat ${R3}/log/pool_nodes 2>/dev/null`)).stdout;
}

/** After a reset: every node's network_rewind.sh has run once and saved a view with one primary, all up. */
async function settled(): Promise<void> {
  await waitFor("a first network_rewind.sh round on every node", 120_000, async () => {
    for (const ip of ips) {
      const v = await poolView(ip);
      if (!/\| up\s+\|[^|]*\| primary/.test(v) || /\| down\s+\|/.test(v)) return null;
    }
    return true;
  });
}

/** `pulumi up` of `mode`. */
async function apply(p: TestProject, mode: string, extra: Record<string, unknown> = {}): Promise<void> {
  await p.config("policy", JSON.stringify(policySpec(lab, "kbv8r3", { mode, ...extra })));
  await p.world.ok(["up", "--yes", "--skip-preview"]);
}

/** Refreshes until the outputs satisfy `ok` (a cron round may still be on its way), bounded. */
function refreshUntil(
  p: TestProject,
  what: string,
  ok: (o: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  let last: Record<string, unknown> | undefined;
  return waitFor(what, 240_000, async () => {
    await p.world.ok(["refresh", "--yes", "--skip-preview"]);
    last = await policyOutputs(p);
    return ok(last) ? last : null;
  }).catch((e: Error) => {
    const seen = last && {
      clusterNodes: last["clusterNodes"],
      health: last["health"],
      last: last["lastRecovery"],
    };
    throw new Error(`${e.message}; last outputs: ${JSON.stringify(seen)}`);
  });
}

interface Node {
  host: string;
  role: string;
  state: string;
}
const nodeOf = (o: Record<string, unknown>, host: string) =>
  (o["clusterNodes"] as Node[]).find((n) => n.host === host);

before(
  async () => {
    lab = await ensureLab({ engines: ["kingbase-v8r3"] });
    key = fs.readFileSync(lab.clientKeyPath, "utf8");
    ips = lab.clusters["kbv8r3"]!.hosts.map((h) => h.ip);
    await labReset();
  },
  { timeout: 900_000 },
);

describe("V8R3: each recovery mode on a real failover", { timeout: 1_500_000 }, () => {
  let p: TestProject;

  before(async () => {
    p = await TestProject.create("kbr3recovery", PROGRAM);
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
    const [n1, n2] = ips as [string, string];
    await settled();
    await apply(p, "automatic", { acknowledgeDataLoss: true });
    const o = await policyOutputs(p);
    assert.deepEqual(Object.values(o["effective"] as Record<string, string>), ["automatic", "automatic"]);
    assert.equal(o["primary"], n1);
    assert.equal(o["healthState"], "healthy", String(o["health"]));
    assert.equal(await sql(n1, "create table probe(x int); insert into probe values (1); select 1"), "1");

    await hostPower("down", n1);
    assert.equal(await newPrimary_(lab, R3_DB, [n2]), n2);
    assert.equal(await sql(n2, "insert into probe values (2); select count(*) from probe"), "2");
    await hostPower("up", n1);
    await waitFor("the old primary streaming again", 240_000, async () =>
      (await sql(n1, "select pg_is_in_recovery()")) === "t" ? true : null,
    ).catch(async (e: Error) => {
      const tail = async (ip: string, file: string, n: number) =>
        `${ip} ${file}:\n${(await sshExec(lab, ip, "kingbase", `tail -n ${n} ${R3}/log/${file}`)).stdout}`;
      const logs = await Promise.all([
        tail(n1, "recovery.log", 40),
        tail(n2, "recovery.log", 40),
        tail(n1, "cluster.log", 20),
        tail(n2, "cluster.log", 20),
        tail(n2, "failover.log", 10),
      ]);
      throw new Error(`${e.message}\n${logs.join("\n")}\nn1 pool view:\n${await poolView(n1)}`);
    });
    await waitFor("row 2 on the rewound node", 30_000, async () =>
      (await sql(n1, "select string_agg(x::text, ',' order by x) from probe")) === "1,2" ? true : null,
    );
    assert.equal(await sql(n2, "insert into probe values (3); select 1"), "1");
    await waitFor("row 3 streamed to the rejoined node", 30_000, async () =>
      (await sql(n1, "select count(*) from probe")) === "3" ? true : null,
    );

    // out of band for Pulumi: refresh reads the new state (n1's next round saves the view with it attached)
    const r = await refreshUntil(
      p,
      "the new primary, the rejoin and n1 up as standby in the outputs",
      (x) => nodeOf(x, n1)?.state === "up" && x["healthState"] === "healthy",
    );
    assert.equal(r["primary"], n2);
    const last = r["lastRecovery"] as { node: string; outcome: string; at: string };
    assert.equal(last.node, n1);
    assert.equal(last.outcome, "rejoined");
    assert.match(last.at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.deepEqual([nodeOf(r, n1)?.role, nodeOf(r, n2)?.role], ["standby", "primary"]);
  });

  test("standby: a failed standby comes back and re-attaches; a returning old primary is stopped and left down", async () => {
    await labReset();
    await settled();
    const [n1, n2] = ips as [string, string];
    await apply(p, "standby");
    await hostPower("down", n2);
    assert.equal(await sql(n1, "create table probe(x int); insert into probe values (1); select 1"), "1");
    await hostPower("up", n2);
    // the database may answer while network_rewind.sh still rewinds it: wait for the round's last line first
    await waitFor(
      "the standby's recovery finished (recovery.log) and it has the new row",
      240_000,
      async () => {
        const log = (await sshExec(lab, n2, "kingbase", `cat ${R3}/log/recovery.log`)).stdout;
        const done =
          /I will be in recovery\.[\s\S]*start up standby successful![\s\S]*recovery success,exit script with success/;
        if (!done.test(log)) return null;
        return (await sql(n2, "select count(*) from probe")) === "1" ? true : null;
      },
    );
    assert.equal(await sql(n2, "select pg_is_in_recovery()"), "t");

    await hostPower("down", n1);
    assert.equal(await newPrimary_(lab, R3_DB, [n2]), n2);
    await hostPower("up", n1);
    const r = await refreshUntil(p, "the refusal in the outputs", (o) => {
      const last = o["lastRecovery"] as { node: string; outcome: string } | null;
      return last?.node === n1 && last.outcome === "refused";
    });
    assert.match(
      (r["lastRecovery"] as { reason: string }).reason,
      /maybe it's primary, can not do recovery\./,
    );
    await sleep(2 * tick() * 1000); // more rounds change nothing: the fence holds
    assert.ok(await dbDown(n1), "the old primary is stopped and left down");
    assert.equal(await sql(n2, "select pg_is_in_recovery()"), "f");
    assert.equal(r["primary"], n2);
    assert.equal(r["healthState"], "degraded");
    assert.match(String(r["health"]), new RegExp(`node ${n1.replace(/\./g, "\\.")} down`));
  });

  test("manual: a failed node stays out; nothing is recovered automatically", async () => {
    await labReset();
    await settled();
    const [n1, n2] = ips as [string, string];
    await apply(p, "manual");
    const before = (await sshExec(lab, n2, "kingbase", `wc -l < ${R3}/log/recovery.log`)).stdout.trim();
    await hostPower("down", n2);
    assert.equal(await sql(n1, "create table probe(x int); select 1"), "1");
    await hostPower("up", n2);
    await sleep(3 * tick() * 1000); // a recovery would have begun within one round
    assert.ok(await dbDown(n2), "the failed standby stays down");
    const log = (await sshExec(lab, n2, "kingbase", `cat ${R3}/log/recovery.log`)).stdout;
    assert.equal(String(log.split("\n").length - 1), before, "network_rewind.sh did not run on n2");
    // the pool (still running: its cron line is not the policy's) keeps n2 detached
    const pool = await sshExec(lab, n1, "kingbase", `${R3}/kingbasecluster/bin/pool_nodes_show`);
    assert.match(pool.stdout, new RegExp(`${n2.replace(/\./g, "\\.")}\\s*\\|\\s*54321\\s*\\|\\s*down`));
    await p.world.ok(["refresh", "--yes", "--skip-preview"]);
    const o = await policyOutputs(p);
    assert.deepEqual(Object.values(o["effective"] as Record<string, string>), ["manual", "manual"]);
    assert.equal(o["lastRecovery"], null);
  });
});

describe("V8R3: a policy change while network_rewind.sh recovers is refused at preview", {
  timeout: 600_000,
}, () => {
  let p: TestProject;

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
    const host = ips[1]!;
    // a live process holding network_rewind.sh's lock stands for the running recovery (cron rounds meanwhile
    // find the lock taken and leave the flag alone, as the vendor script does)
    const r = await sshExec(
      lab,
      host,
      "kingbase",
      // the flag is written once the lock is ours: a round already running when we asked finishes first (and
      // clears its own flag) instead of clearing ours
      `setsid flock /dev/shm/kb.lock sh -c 'printf "1\\n%s\\n" $$ > ${FLAG}; exec sleep 300' </dev/null >/dev/null 2>&1 &`,
    );
    assert.equal(r.code, 0, r.stderr);
    await waitFor("the stand-in recovery holds the lock and the flag", 60_000, async () => {
      const f = await sshExec(
        lab,
        host,
        "kingbase",
        `pid=$(sed -n 2p ${FLAG}); [ "$(sed -n 1p ${FLAG})" = 1 ] && kill -0 "$pid" && echo "$pid"`,
      );
      return f.code === 0 && /^\d+$/.test(f.stdout.trim()) ? f.stdout.trim() : null;
    });
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
