/**
 * RecoveryPolicy end to end: the real Pulumi CLI drives a program using `pulumi-hadr` against the lab's
 * KingbaseES V8R3 and V8R6 hosts (real sshd, vendor file layouts, stand-in daemons).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, before, describe, test } from "node:test";
import type { LabInfo } from "pulumi-hadr-lab";
import { ensureLab, labCli, sshExec } from "pulumi-hadr-lab";
import { TestProject } from "../support/project";
import { policySpec as labPolicySpec, policyOutputs, policyProgram } from "./policy-support";
import { VM_JS } from "./vm-support";

const PROGRAM = policyProgram(["effective", "plan", "drift", "pendingRestart"]);

/**
 * The same policy with every input level an Output: each node (its host and ssh) from a VM-like resource
 * created first (unknown at the first preview), `nodes` itself, `sshKey` and `paths` (the default install
 * dir, given explicitly).
 */
const OUTPUTS_PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { RecoveryPolicy } = require("pulumi-hadr");
${VM_JS}
const cfg = new pulumi.Config();
const key = cfg.requireSecret("sshKey");
const spec = cfg.requireObject("policy");
const nodes = spec.nodes.map((n, i) => new Vm("node" + i, { host: n.host, ssh: n.ssh }).out);
const policy = new RecoveryPolicy("kb", {
  ...spec,
  nodes: pulumi.output(nodes),
  paths: pulumi.output({ installDir: pulumi.output("/home/kingbase/cluster/R6HA/kingbase") }),
  sshKey: pulumi.output({ privateKey: key }),
});
exports.effective = policy.effective;
exports.pendingRestart = policy.pendingRestart;
`;

const V8R3_CRON = "/etc/cron.d/KINGBASECRON";
const V8R3_DB = "/home/kingbase/cluster/HAR3/db/etc/HAmodule.conf";
const V8R3_CL = "/home/kingbase/cluster/HAR3/kingbasecluster/etc/HAmodule.conf";
const V8R6_CONF = "/home/kingbase/cluster/R6HA/kingbase/etc/repmgr.conf";

let lab: LabInfo;
let key: string;

/** The `policy` config for a lab cluster of this file's lab. */
function policySpec(cluster: string, extra: Record<string, unknown>): Record<string, unknown> {
  return labPolicySpec(lab, cluster, extra);
}

/** Every listed file on every host of a cluster, read as root over SSH (base64, byte-exact). */
async function snapshot(cluster: string, files: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const h of lab.clusters[cluster]!.hosts) {
    for (const f of files) {
      const r = await sshExec(lab, h.ip, "kingbase", `sudo -n base64 -w0 ${f}`);
      assert.equal(r.code, 0, `read ${f} on ${h.ip}: ${r.stderr}`);
      out[`${h.ip}:${f}`] = Buffer.from(r.stdout.trim(), "base64").toString("utf8");
    }
  }
  return out;
}

before(
  async () => {
    lab = await ensureLab({ engines: ["kingbase-v8r3", "kingbase-v8r6"] });
    key = fs.readFileSync(lab.clientKeyPath, "utf8");
    const r = await labCli(["reset"]);
    assert.equal(r.code, 0, r.stderr);
  },
  { timeout: 600_000 },
);

describe("V8R3: manual mode through preview, up, drift, refresh, destroy", { timeout: 1_200_000 }, () => {
  let p: TestProject;
  let pristine: Record<string, string>;

  before(async () => {
    p = await TestProject.create("kbv8r3", PROGRAM);
    await p.config("sshKey", key, true);
    await p.config("policy", JSON.stringify(policySpec("kbv8r3", { mode: "manual" })));
    pristine = await snapshot("kbv8r3", [V8R3_CRON, V8R3_DB, V8R3_CL]);
  });
  after(() => p?.dispose());

  test("preview shows the exact cron line edit per node and changes no byte", async () => {
    const r = await p.world.ok(["preview", "--diff"]);
    for (const h of lab.clusters["kbv8r3"]!.hosts) {
      assert.ok(r.stdout.includes(h.ip), `the plan names ${h.ip}`);
    }
    assert.match(
      r.stdout,
      /" {2}- \*\/1 \* \* \* \* kingbase {2}\/home\/kingbase\/cluster\/HAR3\/db\/bin\/network_rewind\.sh"/,
    );
    assert.match(
      r.stdout,
      /" {2}\+ #\*\/1 \* \* \* \* kingbase {2}\/home\/kingbase\/cluster\/HAR3\/db\/bin\/network_rewind\.sh"/,
    );
    assert.match(r.stdout + r.stderr, /warning:.*(fenc|split)/i, "the V8R3 manual safety warning is shown");
    assert.deepEqual(await snapshot("kbv8r3", [V8R3_CRON, V8R3_DB, V8R3_CL]), pristine);
  });

  test("up comments the network_rewind line (one leading #, every other byte kept)", async () => {
    await p.world.ok(["up", "--yes", "--skip-preview"]);
    const now = await snapshot("kbv8r3", [V8R3_CRON, V8R3_DB, V8R3_CL]);
    for (const h of lab.clusters["kbv8r3"]!.hosts) {
      const before = pristine[`${h.ip}:${V8R3_CRON}`]!;
      const expected = before.replace(/^(\*\/1 \* \* \* \* kingbase {2}.*network_rewind\.sh)$/m, "#$1");
      assert.notEqual(expected, before);
      assert.equal(now[`${h.ip}:${V8R3_CRON}`], expected);
      assert.equal(
        now[`${h.ip}:${V8R3_DB}`],
        pristine[`${h.ip}:${V8R3_DB}`],
        "AUTO_PRIMARY_RECOVERY stays 0",
      );
    }
    const outs = await p.world.outputs();
    assert.deepEqual(Object.values(outs["effective"] as Record<string, string>), ["manual", "manual"]);
  });

  test("a second preview is a no-op", async () => {
    const r = await p.world.ok(["preview", "--diff", "--expect-no-changes"]);
    assert.doesNotMatch(r.stdout, /to update/);
  });

  test("kingbase_monitor.sh restart is drift: refresh reports it, up fixes it", async () => {
    const ip = lab.clusters["kbv8r3"]!.hosts[0]!.ip;
    const f = await labCli(["fault", "kb-monitor-restart", ip]);
    assert.equal(f.code, 0, f.stderr);
    await p.world.ok(["refresh", "--yes", "--skip-preview"]);
    // refresh updates the resource's state (stack outputs change only when the program runs).
    const outs = await policyOutputs(p);
    assert.ok(
      (outs["drift"] as string[]).some((d) => d.startsWith(ip)),
      `drift names ${ip}: ${JSON.stringify(outs["drift"])}`,
    );
    assert.equal((outs["effective"] as Record<string, string>)[ip], "standby");
    const pre = await p.world.ok(["preview", "--diff"]);
    assert.match(pre.stdout, /~ 1 to update|1 to update/);
    await p.world.ok(["up", "--yes", "--skip-preview"]);
    const now = await snapshot("kbv8r3", [V8R3_CRON]);
    assert.match(now[`${ip}:${V8R3_CRON}`]!, /^#\*\/1 \* \* \* \* kingbase {2}/m);
  });

  test("destroy restores every file byte for byte", async () => {
    await p.world.ok(["destroy", "--yes", "--skip-preview"]);
    assert.deepEqual(await snapshot("kbv8r3", [V8R3_CRON, V8R3_DB, V8R3_CL]), pristine);
  });

  test("the private key is never in state or CLI output", async () => {
    const state = JSON.stringify(await p.world.exportStack());
    const body = key.split("\n")[1]!;
    assert.ok(!state.includes(body), "no key material in the exported state");
    const r = await p.world.ok(["stack", "output", "--json"]);
    assert.ok(!r.stdout.includes(body));
  });
});

describe("V8R6, every input an Output: automatic mode restarts the daemons, destroy restores", {
  timeout: 1_200_000,
}, () => {
  let p: TestProject;
  let pristine: Record<string, string>;

  before(async () => {
    p = await TestProject.create("kbv8r6", OUTPUTS_PROGRAM);
    await p.config("sshKey", key, true);
    await p.config(
      "policy",
      JSON.stringify(policySpec("kbv8r6", { mode: "automatic", acknowledgeDataLoss: true })),
    );
    pristine = await snapshot("kbv8r6", [V8R6_CONF]);
  });
  after(() => p?.dispose());

  test("preview with the nodes still unknown validates what it knows and plans at up", async () => {
    const r = await p.world.ok(["preview", "--diff"]);
    assert.match(r.stdout, /\+ pulumi-nodejs:dynamic\/hadr:RecoveryPolicy: \(create\)/);
    // The nodes are unknown, so no plan yet: no file line is planned before the VMs exist.
    assert.doesNotMatch(r.stdout, /recovery='automatic'/);
  });

  test("up sets recovery='automatic' and the restarted daemons load it", async () => {
    const r = await p.world.ok(["up", "--yes"]);
    assert.match(r.stdout, /recovery='standby'/);
    assert.match(r.stdout, /recovery='automatic'/);
    for (const h of lab.clusters["kbv8r6"]!.hosts) {
      const conf = (await snapshot("kbv8r6", [V8R6_CONF]))[`${h.ip}:${V8R6_CONF}`]!;
      assert.match(conf, /^recovery='automatic'$/m);
      const loaded = await sshExec(
        lab,
        h.ip,
        "kingbase",
        "cat /home/kingbase/cluster/R6HA/kingbase/log/kbha.loaded.json",
      );
      assert.equal(
        JSON.parse(loaded.stdout).recovery,
        "automatic",
        `kbha (which applies recovery=) on ${h.ip} runs with the new value`,
      );
    }
    const outs = await p.world.outputs();
    assert.equal(outs["pendingRestart"], false);
  });

  test("destroy restores repmgr.conf byte for byte", async () => {
    await p.world.ok(["destroy", "--yes", "--skip-preview"]);
    assert.deepEqual(await snapshot("kbv8r6", [V8R6_CONF]), pristine);
  });
});

describe("bad input fails at preview with the property named, touching nothing", {
  timeout: 1_200_000,
}, () => {
  let p: TestProject;
  before(async () => {
    p = await TestProject.create("kbbad", PROGRAM);
    await p.config("sshKey", key, true);
  });
  after(() => p?.dispose());

  test("an unknown mode names `mode` and lists what is allowed", async () => {
    await p.config("policy", JSON.stringify(policySpec("kbv8r3", { mode: "sometimes" })));
    const r = await p.world.run(["preview"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /mode.*"manual", "standby", "automatic"/);
  });

  test("a missing host key names the node's ssh.hostKeys", async () => {
    const spec = policySpec("kbv8r6", { mode: "manual" }) as { nodes: Array<{ ssh: { hostKeys: object } }> };
    spec.nodes[1]!.ssh.hostKeys = {};
    await p.config("policy", JSON.stringify(spec));
    const r = await p.world.run(["preview"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /nodes\[1\]\.ssh\.hostKeys/);
  });

  test("a V8R6 policy pointed at V8R3 hosts says the hosts look like V8R3", async () => {
    const spec = policySpec("kbv8r3", { engine: "kingbase-v8r6", mode: "manual" }) as {
      nodes: Array<Record<string, unknown>>;
    };
    for (const n of spec.nodes) delete n["rootAccess"];
    await p.config("policy", JSON.stringify(spec));
    const r = await p.world.run(["preview"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /nodes\[0\].*this looks like a kingbase-v8r3 host; check engine/);
  });
});

describe("a node whose sshd is down", { timeout: 1_200_000 }, () => {
  let p: TestProject;
  after(async () => {
    await labCli(["reset"]);
    p?.dispose();
  });

  test("fails the operation naming the node; the other node is left unchanged", async () => {
    p = await TestProject.create("kbdown", PROGRAM);
    await p.config("sshKey", key, true);
    await p.config("policy", JSON.stringify(policySpec("kbv8r3", { mode: "manual" })));
    const [first, second] = lab.clusters["kbv8r3"]!.hosts;
    const before = await snapshot("kbv8r3", [V8R3_CRON]);
    assert.equal((await labCli(["fault", "sshd-stop", second!.ip])).code, 0);
    const r = await p.world.run(["up", "--yes", "--skip-preview"]);
    assert.notEqual(r.code, 0);
    assert.ok((r.stdout + r.stderr).includes(second!.ip), "the error names the unreachable node");
    const now = await sshExec(lab, first!.ip, "kingbase", `sudo -n cat ${V8R3_CRON}`);
    assert.equal(now.stdout, before[`${first!.ip}:${V8R3_CRON}`]);
  });
});
