/**
 * DrRelationship end to end: the real Pulumi CLI drives a program using `pulumi-hadr` against the lab's
 * openGauss clusters A and B (real sshd, PostgreSQL with real streaming, the emulated gs_sdr & co.).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { after, before, describe, test } from "node:test";
import type { LabInfo } from "pulumi-hadr-lab";
import { ensureLab, labCli, sshExec } from "pulumi-hadr-lab";
import { observe, readFingerprint } from "../../provider/engines/opengauss/observe";
import { drContext } from "../../provider/engines/opengauss/remote";
import { validateDrRelationship } from "../../provider/engines/opengauss/schema";
import { TestProject } from "../support/project";
import { DR_PASSWORD, DR_PROGRAM, drSpec, HA_PORT } from "./dr-support";
import { logicalPlan, planFromPreview } from "./plan-live";
import { VM_JS } from "./vm-support";

const PROGRAM = DR_PROGRAM;

/**
 * The DR program with every input level an Output: each cluster (its XML and ssh) from a VM-like resource
 * created first (unknown at the first preview), `drUser` and `sshKey` as Outputs.
 */
const OUTPUTS_PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { DrRelationship } = require("pulumi-hadr");
${VM_JS}
const cfg = new pulumi.Config();
const spec = cfg.requireObject("dr");
const clusters = {};
for (const [name, c] of Object.entries(spec.clusters)) clusters[name] = new Vm("vm" + name, c).out;
const dr = new DrRelationship("dr", {
  ...spec,
  clusters: pulumi.output(clusters),
  sshKey: pulumi.output({ privateKey: cfg.requireSecret("sshKey") }),
  drUser: pulumi.output({ name: spec.drUser, password: cfg.requireSecret("drPassword") }),
});
exports.primary = dr.primary;
exports.healthState = dr.healthState;
`;
const PASSWORD = DR_PASSWORD;
let lab: LabInfo;
let key: string;
let project: TestProject;
const cliOutput: string[] = [];

function hosts(cluster: string): string[] {
  return lab.clusters[cluster]!.hosts.map((h) => h.ip);
}

/** Runs SQL (from stdin, never argv) through the lab's gsql on a node. */
async function gsql(ip: string, sql: string): Promise<{ code: number; out: string }> {
  const r = await sshExec(
    lab,
    ip,
    "omm",
    `. ~/.bashrc; gsql -d postgres -p ${HA_PORT} -t -A -X -f /dev/stdin`,
    {
      input: `${sql}\n`,
    },
  );
  return { code: r.code, out: `${r.stdout}${r.stderr}`.trim() };
}

async function sdr(ip: string, args: string): Promise<{ code: number; out: string }> {
  const r = await sshExec(lab, ip, "omm", `. ~/.bashrc; gs_sdr ${args}`, { timeoutMs: 600_000 });
  return { code: r.code, out: r.stdout + r.stderr };
}

async function stat(cluster: string): Promise<string> {
  const r = await sdr(hosts(cluster)[0]!, "-t query");
  return /'hadr_cluster_stat': '([^']*)'/.exec(r.out)?.[1] ?? "unknown";
}

/** Brings both clusters back to two independent primaries (dissolving any relationship left behind). */
async function dissolveLeftovers(): Promise<void> {
  const [a, b] = [await stat("A"), await stat("B")];
  for (const [c, s] of [
    ["A", a],
    ["B", b],
  ] as const) {
    if (s.startsWith("recovery") || s.startsWith("restore") || s.startsWith("promote"))
      await sdr(hosts(c)[0]!, "-t failover");
  }
  for (const [c, s] of [
    ["A", a],
    ["B", b],
  ] as const) {
    if (s.startsWith("archive") || s.startsWith("full_backup") || s.startsWith("backup")) {
      await sdr(hosts(c)[0]!, `-t stop -X /home/omm/.pulumi-hadr/dr-${c}.xml`);
    }
  }
}

/** Everything gs_sdr would change on a node: replconninfo1..4, a few GUCs, and pg_hba.conf. */
async function nodeConfig(ip: string): Promise<string> {
  const script =
    ". ~/.bashrc; for i in 1 2 3 4; do gs_guc check -Z datanode -D /home/omm/data/dn1 -c replconninfo$i 2>/dev/null | grep '^gs_guc check'; done; " +
    'for g in most_available_sync stream_cluster_run_mode synchronous_commit; do gsql -d postgres -p 26001 -t -A -X -c "show $g"; done; cat /home/omm/data/dn1/pg_hba.conf';
  const r = await sshExec(lab, ip, "omm", script);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

async function allConfig(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const ip of [...hosts("A"), ...hosts("B")]) out[ip] = await nodeConfig(ip);
  return out;
}

function spec(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const clusters: Record<string, unknown> = {};
  for (const n of ["A", "B"]) {
    const c = lab.clusters[n]!;
    clusters[n] = {
      xml: c.xml,
      ssh: { port: c.hosts[0]!.sshPort, hostKeys: Object.fromEntries(c.hosts.map((h) => [h.ip, h.hostKey])) },
    };
  }
  return { primary: "A", drUser: "druser", timeoutSeconds: 240, clusters, ...extra };
}

async function pulumi(args: string[]): Promise<string> {
  const r = await project.world.ok(args, { timeoutMs: 900_000 });
  cliOutput.push(r.stdout, r.stderr);
  return r.stdout;
}

async function drOutputs(p: TestProject = project): Promise<Record<string, unknown>> {
  const state = await p.world.exportStack();
  const res = state.deployment.resources?.find(
    (r) => r["type"] === "pulumi-nodejs:dynamic/hadr:DrRelationship",
  );
  assert.ok(res, "the relationship is in the state");
  return res["outputs"] as Record<string, unknown>;
}

before(
  async () => {
    lab = await ensureLab({ engines: ["opengauss"], omVersion: "master" });
    key = fs.readFileSync(lab.clientKeyPath, "utf8");
    await labCli(["reset"]);
    await dissolveLeftovers();
    const u = await gsql(
      hosts("A")[0]!,
      `DO $$BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname='druser') THEN ALTER USER druser WITH REPLICATION PASSWORD '${PASSWORD}'; ELSE CREATE USER druser WITH REPLICATION PASSWORD '${PASSWORD}'; END IF; END$$;`,
    );
    assert.equal(u.code, 0, u.out);
    project = await TestProject.create("dr", PROGRAM);
    await project.config("sshKey", key, true);
    await project.config("drPassword", PASSWORD, true);
    await project.config("dr", JSON.stringify(spec()));
  },
  { timeout: 600_000 },
);

after(
  async () => {
    project?.dispose();
  },
  { timeout: 600_000 },
);

describe("bad input fails at preview, naming the property, touching nothing", { timeout: 1_200_000 }, () => {
  let bad: TestProject;
  before(async () => {
    bad = await TestProject.create("drbad", PROGRAM);
    await bad.config("sshKey", key, true);
  });
  after(() => bad?.dispose());

  test("a password outside gs_sdr's safe set and an unknown primary", async () => {
    await bad.config("drPassword", "bad pass!word", true);
    await bad.config("dr", JSON.stringify(spec({ primary: "C" })));
    const r = await bad.world.run(["preview"]);
    assert.notEqual(r.code, 0);
    const text = r.stdout + r.stderr;
    assert.match(text, /drUser\.password/);
    assert.match(text, /primary/);
    assert.ok(!text.includes("bad pass!word"), "the password is not echoed");
  });

  test("a host without a pinned key names clusters.<name>.ssh.hostKeys", async () => {
    await bad.config("drPassword", PASSWORD, true);
    const s = spec() as { clusters: Record<string, { ssh: { hostKeys: Record<string, string> } }> };
    delete s.clusters["B"]!.ssh.hostKeys[hosts("B")[1]!];
    await bad.config("dr", JSON.stringify(s));
    const r = await bad.world.run(["preview"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /clusters\.B\.ssh\.hostKeys/);
  });
});

describe("the life of a DR pair", { timeout: 1_200_000 }, () => {
  let previewPlan: string[] = [];

  test("preview shows the per-node GUC and pg_hba plan and changes nothing", async () => {
    const before = await allConfig();
    const out = await pulumi(["preview", "--diff"]);
    assert.match(out, /A\/oga1 replconninfo2:/);
    assert.match(
      out,
      new RegExp(
        `B/ogb1 pg_hba \\+ host {4}all {4}omm {4}${hosts("A")[0]!.replace(/\./g, "\\.")}/32 {4}trust`,
      ),
    );
    assert.match(out, /gs_sdr -t start -m primary/);
    assert.deepEqual(await allConfig(), before, "no file or GUC changed");
    const state = await project.world.run(["stack", "export"]);
    previewPlan = planFromPreview(out);
    assert.ok(previewPlan.length > 10, state.stdout.slice(0, 0) || "the plan was captured from the preview");
  });

  test("up establishes DR; the password never shows in ps on any lab host", async () => {
    let sampling = true;
    const seen: string[] = [];
    const sampler = (async () => {
      while (sampling) {
        seen.push(execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      const out = await pulumi(["up", "--yes", "--skip-preview"]);
      assert.match(out, /Successfully do streaming disaster recovery start/);
    } finally {
      sampling = false;
      await sampler;
    }
    assert.ok(seen.length > 20, `ps was sampled (${seen.length})`);
    assert.ok(!seen.some((s) => s.includes(PASSWORD)), "the DR password appeared in a process's arguments");
    assert.equal(await stat("A"), "archive");
    assert.equal(await stat("B"), "recovery");
  });

  test("a row written on A's primary reaches every node of B", async () => {
    const tag = `row-${Date.now()}`;
    assert.equal(
      (
        await gsql(
          hosts("A")[0]!,
          `CREATE TABLE IF NOT EXISTS e2e_rows(v text); INSERT INTO e2e_rows VALUES ('${tag}');`,
        )
      ).code,
      0,
    );
    for (const ip of hosts("B")) {
      let found = "";
      for (let i = 0; i < 60 && found !== "1"; i++) {
        found = (await gsql(ip, `SELECT count(*) FROM e2e_rows WHERE v = '${tag}';`)).out;
        if (found !== "1") await new Promise((r) => setTimeout(r, 500));
      }
      assert.equal(found, "1", `${ip} has the row`);
    }
  });

  test("after up, live replconninfo, GUCs and pg_hba equal the plan", async () => {
    const plan = logicalPlan(previewPlan);
    let checked = 0;
    for (const entry of plan) {
      const m = /^(A|B)\/(og[ab]\d) (replconninfo\d|most_available_sync): .* → (.*?)( \(on restart\))?$/.exec(
        entry,
      );
      const h = /^(A|B)\/(og[ab]\d) pg_hba \+ (.*?)( \(re-enables a commented-out entry\))?$/.exec(entry);
      if (m) {
        const ip = lab.clusters[m[1]!]!.hosts.find((x) => x.name === m[2])!.ip;
        const live = await nodeConfig(ip);
        const want = m[4]!.replace(/^'|'$/g, "");
        if (m[3]!.startsWith("replconninfo")) {
          assert.ok(live.includes(`${m[3]}='${want}'`), `${ip} ${m[3]} = ${want}\n${live}`);
        } else {
          assert.ok(live.split("\n").includes(want), `${ip} ${m[3]} = ${want}`);
        }
        checked++;
      } else if (h) {
        const ip = lab.clusters[h[1]!]!.hosts.find((x) => x.name === h[2])!.ip;
        const lines = (await nodeConfig(ip)).split("\n").map((l) => l.trim().split(/\s+/).join(" "));
        assert.ok(lines.includes(h[3]!.trim().split(/\s+/).join(" ")), `${ip} pg_hba has ${h[3]}`);
        checked++;
      }
    }
    assert.ok(checked >= 12, `checked ${checked} planned values`);
  });

  test("refresh gives numeric RPO/RTO and the roles", async () => {
    await pulumi(["refresh", "--yes", "--skip-preview"]);
    const o = await drOutputs();
    assert.equal(typeof o["rpoSeconds"], "number");
    assert.equal(typeof o["rtoSeconds"], "number");
    assert.deepEqual(o["hadrClusterStat"], { A: "archive", B: "recovery" });
    assert.equal(o["primary"], "A");
    assert.equal(o["healthState"], "healthy");
    const again = await project.world.ok(["preview", "--expect-no-changes"]);
    assert.match(again.stdout, /unchanged/);
  });

  test("apply's cheap fingerprint equals the one an observation carries, and a gs_sdr lock moves it", async () => {
    const v = validateDrRelationship({
      ...drSpec(lab),
      sshKey: { privateKey: key },
      drUser: { name: "druser", password: PASSWORD },
    });
    assert.ok(v.args, JSON.stringify(v.failures));
    const ctx = drContext(v.args, v.topologies);
    const lock = `streaming_lock_${"e2e0".repeat(8)}`;
    const host = hosts("A")[1]!;
    try {
      const obs = await observe(ctx, { traces: [], owner: "e2e" });
      for (const n of ["A", "B"]) {
        assert.notEqual(obs[n]!.fingerprint, "unreachable");
        assert.equal(await readFingerprint(ctx, n), obs[n]!.fingerprint, `cluster ${n}`);
      }
      await sshExec(lab, host, "omm", `. ~/.bashrc; touch "$PGHOST/${lock}"`);
      assert.notEqual(
        await readFingerprint(ctx, "A"),
        obs["A"]!.fingerprint,
        "a lock on a standby host counts",
      );
      assert.equal(await readFingerprint(ctx, "B"), obs["B"]!.fingerprint);
    } finally {
      await sshExec(lab, host, "omm", `. ~/.bashrc; rm -f "$PGHOST/${lock}"`);
      await ctx.fleet.close();
    }
  });

  test("switchover to B and back under continuous writes loses no committed row", async () => {
    const table = `e2e_writes_${Date.now()}`;
    assert.equal((await gsql(hosts("A")[0]!, `CREATE TABLE ${table}(id int primary key);`)).code, 0);
    await new Promise((r) => setTimeout(r, 1000));
    const committed: number[] = [];
    let writing = true;
    const writer = (async () => {
      let id = 0;
      while (writing) {
        id++;
        for (const ip of [hosts("A")[0]!, hosts("B")[0]!]) {
          const r = await gsql(ip, `INSERT INTO ${table} VALUES (${id});`);
          if (r.code === 0 && /INSERT 0 1/.test(r.out)) {
            committed.push(id);
            break;
          }
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      await project.config("dr", JSON.stringify(spec({ primary: "B" })));
      const pre = await pulumi(["preview", "--diff"]);
      assert.match(pre.replace(/\s+/g, " "), /~ primary ?: "A" => "B"/);
      await pulumi(["up", "--yes", "--skip-preview"]);
      assert.equal(await stat("B"), "archive");
      assert.equal(await stat("A"), "recovery");
      await new Promise((r) => setTimeout(r, 1500));
      await project.config("dr", JSON.stringify(spec({ primary: "A" })));
      await pulumi(["up", "--yes", "--skip-preview"]);
      assert.equal(await stat("A"), "archive");
    } finally {
      writing = false;
      await writer;
    }
    assert.ok(committed.length > 10, `rows were committed during the test (${committed.length})`);
    const have = new Set(
      (await gsql(hosts("A")[0]!, `SELECT id FROM ${table};`)).out.split("\n").map(Number),
    );
    const lost = committed.filter((id) => !have.has(id));
    assert.deepEqual(lost, [], "every committed row survived both switchovers");
  });

  test("an out-of-band switchover shows as drift of primary, not a replacement", async () => {
    const [demote, promote] = await Promise.all([
      sdr(hosts("A")[0]!, "-t switchover -m disaster_standby --time-out=240"),
      sdr(hosts("B")[0]!, "-t switchover -m primary --time-out=240"),
    ]);
    assert.equal(demote.code, 0, demote.out);
    assert.equal(promote.code, 0, promote.out);
    await pulumi(["refresh", "--yes", "--skip-preview"]);
    assert.equal((await drOutputs())["primary"], "B");
    const pre = await pulumi(["preview", "--diff"]);
    assert.match(pre, /~ 1 to update|1 to update/);
    assert.doesNotMatch(pre, /to replace/);
    await pulumi(["up", "--yes", "--skip-preview"]);
    assert.equal(await stat("A"), "archive");
  });

  test("failover is refused without allowDataLoss when a switchover is impossible", async () => {
    const f = await labCli(["fault", "pg-kill", hosts("A")[0]!]);
    assert.equal(f.code, 0, f.stderr);
    try {
      await project.config("dr", JSON.stringify(spec({ primary: "B" })));
      const r = await project.world.run(["preview"]);
      assert.notEqual(r.code, 0);
      assert.match(r.stdout + r.stderr, /primary.*allowDataLoss/s);
      assert.match(await stat("B"), /^recovery/, "nothing was failed over (B is still the DR side)");
    } finally {
      await project.config("dr", JSON.stringify(spec()));
      await labCli(["reset"]);
    }
  });

  test("another stack, its clusters fed by Outputs, adopts the existing pair without running gs_sdr start", async () => {
    const adopt = await TestProject.create("dradopt", OUTPUTS_PROGRAM);
    try {
      await adopt.config("sshKey", key, true);
      await adopt.config("drPassword", PASSWORD, true);
      await adopt.config("dr", JSON.stringify(spec()));
      // The clusters are unknown until the VM-like resources exist: preview validates what it knows.
      const pre = await adopt.world.ok(["preview", "--diff"], { timeoutMs: 600_000 });
      assert.match(pre.stdout, /\+ pulumi-nodejs:dynamic\/hadr:DrRelationship: \(create\)/);
      assert.doesNotMatch(pre.stdout, /operation: /, "no plan while the clusters are unknown");
      const r = await adopt.world.ok(["up", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
      assert.doesNotMatch(r.stdout, /gs_sdr -t start/);
      const o = await drOutputs(adopt);
      assert.equal(o["primary"], "A");
      assert.equal(o["healthState"], "healthy");
      assert.equal((await adopt.world.outputs())["healthState"], "healthy");
      assert.equal((o["lastOperation"] as { kind: string }).kind, "adopt");
      // Forget it without dissolving: the first stack still owns the pair.
      await adopt.world.ok(["stack", "rm", "--force", "--yes"]);
    } finally {
      adopt.dispose();
    }
  });

  test("destroy dissolves: both sides normal, DR entries and pg_hba lines reverted", async () => {
    const out = await pulumi(["destroy", "--yes", "--skip-preview"]);
    assert.match(out, /removed the provider's own files/);
    const files = await sshExec(
      lab,
      hosts("A")[0]!,
      "omm",
      "test -e ~/.pulumi-hadr && echo left || echo gone",
    );
    assert.equal(files.stdout.trim(), "gone", "the provider's own files are removed");
    assert.equal(await stat("A"), "normal");
    assert.equal(await stat("B"), "normal");
    for (const ip of [...hosts("A"), ...hosts("B")]) {
      const live = await nodeConfig(ip);
      assert.doesNotMatch(live, /iscrossregion=true/, `${ip} has no cross-region replconninfo left`);
      const active = live
        .split("\n")
        .filter((l) => /^host\s+all\s+all\s+127\.\d+\.[12]\.\d\/32\s+sha256/.test(l));
      const remote = hosts("A").includes(ip) ? hosts("B") : hosts("A");
      assert.ok(
        !active.some((l) => remote.some((r) => l.includes(`${r}/`))),
        `${ip} has no active DR hba line for the other cluster`,
      );
    }
  });

  test("no secret in the state or in any CLI output", async () => {
    const state = JSON.stringify(await project.world.exportStack());
    const body = key.split("\n")[1]!;
    for (const text of [state, ...cliOutput]) {
      assert.ok(!text.includes(PASSWORD), "the DR password leaked");
      assert.ok(!text.includes(body), "the private key leaked");
    }
  });
});

describe("a start that fails part-way", { timeout: 1_200_000 }, () => {
  let p: TestProject;
  after(async () => {
    await labCli(["reset"]);
    p?.dispose();
  });

  test("is recorded in the state, and the next up resumes on the same nodes", async () => {
    await dissolveLeftovers();
    p = await TestProject.create("drresume", PROGRAM);
    await p.config("sshKey", key, true);
    await p.config("drPassword", PASSWORD, true);
    await p.config("dr", JSON.stringify(spec({ timeoutSeconds: 60 })));
    const [a1, b1] = [hosts("A")[0]!, hosts("B")[0]!];
    assert.equal((await labCli(["fault", "dr-link-cut", a1, b1])).code, 0);
    const failed = await p.world.run(["up", "--yes", "--skip-preview"], { timeoutMs: 900_000 });
    assert.notEqual(failed.code, 0, "start cannot finish while the DR link is cut");
    assert.match(failed.stdout + failed.stderr, /gs_sdr start failed on [AB]/);
    const recorded = await drOutputs(p);
    const op = recorded["lastOperation"] as {
      kind: string;
      status: string;
      nodes: Record<string, string>;
      traceIds: Record<string, string>;
    };
    assert.equal(op.kind, "start");
    assert.equal(op.status, "failed");
    assert.deepEqual(op.nodes, { A: a1, B: b1 });
    assert.ok(Object.keys(op.traceIds).length > 0, "the trace ids of our runs are recorded");

    assert.equal((await labCli(["reset"])).code, 0);
    const resumed = await p.world.run(["up", "--yes", "--skip-preview"], { timeoutMs: 900_000 });
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    assert.match(
      resumed.stdout,
      /Got the continue step:\[\d+\] for action:\[start\]/,
      "gs_sdr resumed from its step file",
    );
    assert.equal(await stat("A"), "archive");
    assert.equal(await stat("B"), "recovery");
    await p.world.ok(["destroy", "--yes", "--skip-preview"], { timeoutMs: 900_000 });
    assert.equal(await stat("A"), "normal");
  });
});

describe("failover with allowDataLoss", { timeout: 1_200_000 }, () => {
  let p: TestProject;
  after(async () => {
    await labCli(["reset"]);
    p?.dispose();
  });

  test("fails over when the primary is down, says the pair must be rebuilt, and the next up rebuilds it", async () => {
    await dissolveLeftovers();
    p = await TestProject.create("drfailover", PROGRAM);
    await p.config("sshKey", key, true);
    await p.config("drPassword", PASSWORD, true);
    await p.config("dr", JSON.stringify(spec()));
    await p.world.ok(["up", "--yes", "--skip-preview"], { timeoutMs: 900_000 });
    assert.equal((await labCli(["fault", "pg-kill", hosts("A")[0]!])).code, 0);

    await p.config("dr", JSON.stringify(spec({ primary: "B", allowDataLoss: true })));
    const pre = await p.world.ok(["preview", "--diff"]);
    assert.match(pre.stdout, /operation: failover to B/);
    const up = await p.world.ok(["up", "--yes", "--skip-preview"], { timeoutMs: 900_000 });
    assert.match(
      up.stdout,
      /transactions not yet replicated are lost/,
      "the data-loss warning is shown before acting",
    );
    assert.match(up.stdout, /the pair must be rebuilt/);
    const after = await drOutputs(p);
    assert.equal(after["primary"], "B");
    assert.deepEqual(
      {
        kind: (after["lastOperation"] as { kind: string }).kind,
        status: (after["lastOperation"] as { status: string }).status,
      },
      { kind: "failover", status: "rebuild-needed" },
    );
    assert.equal(
      (await gsql(hosts("B")[0]!, "CREATE TABLE IF NOT EXISTS e2e_after_failover(v int);")).code,
      0,
      "B takes writes",
    );

    assert.equal((await labCli(["reset"])).code, 0);
    const plan = await p.world.ok(["preview", "--diff"]);
    assert.match(plan.stdout, /operation: rebuild: stop A, start B->A/);
    await p.world.ok(["up", "--yes", "--skip-preview"], { timeoutMs: 900_000 });
    assert.equal(await stat("B"), "archive");
    assert.equal(await stat("A"), "recovery");
    await p.world.ok(["destroy", "--yes", "--skip-preview"], { timeoutMs: 900_000 });
    assert.equal(await stat("B"), "normal");
  });
});
