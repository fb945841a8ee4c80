/**
 * SSH through a jump host, end to end through the real Pulumi CLI: cluster B sits behind the lab's jump host
 * (`lab jump on B`: a firewall refuses every direct connection to B's sshd from this machine's processes, the
 * CLI's and the provider's included), so each step below reaches B only through `clusters.B.ssh.proxy`, host
 * keys pinned on both hops, the jump host's key given as the secret `proxySshKey`. One pair is created, switched
 * over to B and destroyed; a RecoveryPolicy is previewed through the same jump host. The jump host's sshd log
 * proves the logins went through it; the state holds `proxySshKey` encrypted only.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { type JumpInfo, jumpOff, jumpOn, labCli, sshExec } from "pulumi-hadr-lab";
import { keyBodyLines } from "../support/keys";
import { DR_PASSWORD, DrHarness } from "./dr-support";
import { policySpec } from "./policy-support";

/** The user's program: the pair from config with the jump host's key, and a policy when `policy` is set. */
const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { DrRelationship, RecoveryPolicy } = require("pulumi-hadr");
const cfg = new pulumi.Config();
const sshKey = { privateKey: cfg.requireSecret("sshKey") };
const proxySshKey = { privateKey: cfg.requireSecret("proxyKey") };
const spec = cfg.requireObject("dr");
const dr = new DrRelationship("dr", {
  ...spec,
  sshKey,
  proxySshKey,
  drUser: { name: spec.drUser, password: cfg.requireSecret("drPassword") },
});
exports.primary = dr.primary;
exports.hadrClusterStat = dr.hadrClusterStat;
exports.health = dr.health;
const policy = cfg.getObject("policy");
if (policy) new RecoveryPolicy("kb", { ...policy, sshKey, proxySshKey });
`;

let h: DrHarness;
let jump: JumpInfo;

/** The `proxy` input for the lab's jump host. */
function proxy(): Record<string, unknown> {
  return { host: jump.ip, port: jump.sshPort, user: jump.user, hostKey: jump.hostKey };
}

/** The `dr` config with B behind the jump host. */
function spec(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const s = h.spec(extra) as { clusters: Record<string, { ssh: Record<string, unknown> }> };
  s.clusters["B"]!.ssh["proxy"] = proxy();
  return s;
}

/** Logins the jump host's sshd accepted so far. */
function jumpLogins(): number {
  const log = path.join(h.lab.root, "hosts", jump.ip, "ssh", "sshd.log");
  return (fs.readFileSync(log, "utf8").match(/Accepted publickey for /g) ?? []).length;
}

/** `hadr_cluster_stat` of a cluster, read inside its node 1 (the lab's exec: no network, no firewall). */
async function stat(cluster: string): Promise<string> {
  const ip = h.hosts(cluster)[0]!;
  const r = await labCli(["exec", ip, "--", ". ~/.bashrc; gs_sdr -t query"]);
  return /'hadr_cluster_stat': '([^']*)'/.exec(r.stdout + r.stderr)?.[1] ?? "unknown";
}

describe("a DR pair with one cluster behind a jump host", { timeout: 360_000 }, () => {
  before(
    async () => {
      h = await DrHarness.setup("dr-jump", {}, { program: PROGRAM, engines: ["kingbase-v8r6"] });
      assert.equal(h.lab.clusters["kbv8r6"]?.provisioned, true, "the V8R6 cluster is provisioned");
      await h.project.config("proxyKey", h.key, true);
      jump = await jumpOn("B");
      await h.project.config("dr", JSON.stringify(spec()));
    },
    { timeout: 600_000 },
  );

  after(
    async () => {
      await jumpOff();
      await h.dissolveLeftovers();
      h.dispose();
    },
    { timeout: 600_000 },
  );

  test("create through the jump host: an established pair, B's logins on the jump host", async () => {
    const direct = await sshExec(h.lab, h.hosts("B")[0]!, "omm", "true", { timeoutMs: 10_000 });
    assert.equal(direct.code, 255, "this machine's processes cannot reach B directly");
    assert.match(direct.stderr, /EHOSTUNREACH|No route to host/);
    const logins = jumpLogins();
    await h.pulumi(["up", "--yes", "--skip-preview"]);
    const o = await h.outputs();
    assert.equal(o["primary"], "A");
    assert.deepEqual(o["hadrClusterStat"], { A: "archive", B: "recovery" });
    assert.ok(jumpLogins() > logins, "the provider logged in on the jump host");
    const state = JSON.stringify(await h.project.world.exportStack());
    for (const line of keyBodyLines(h.key))
      assert.ok(!state.includes(line), "no line of the key in the state");
    assert.ok(!state.includes(DR_PASSWORD));
  });

  test("a RecoveryPolicy previews through the same jump host", async () => {
    const nodes = policySpec(h.lab, "kbv8r6", { mode: "manual" }) as {
      nodes: Array<{ ssh: Record<string, unknown> }>;
    };
    for (const n of nodes.nodes) n.ssh["proxy"] = proxy();
    const logins = jumpLogins();
    await h.project.config("policy", JSON.stringify(nodes));
    try {
      const out = await h.pulumi(["preview", "--diff"], 300_000);
      assert.match(out, /RecoveryPolicy: \(create\)/);
      assert.match(out, /repmgr\.conf/);
      assert.ok(jumpLogins() > logins, "the policy's nodes were read through the jump host");
    } finally {
      await h.project.world.ok(["config", "rm", "policy"]);
    }
  });

  test("switchover to B and destroy, both through the jump host", async () => {
    await h.project.config("dr", JSON.stringify(spec({ primary: "B" })));
    await h.pulumi(["up", "--yes", "--skip-preview"]);
    const o = await h.outputs();
    assert.equal(o["primary"], "B");
    assert.deepEqual(o["hadrClusterStat"], { A: "recovery", B: "archive" });
    await h.pulumi(["destroy", "--yes", "--skip-preview"]);
    assert.equal(await stat("A"), "normal");
    assert.equal(await stat("B"), "normal");
    const cli = h.cliOutput.join("\n");
    for (const line of keyBodyLines(h.key))
      assert.ok(!cli.includes(line), "no line of the key in any CLI output");
  });
});
