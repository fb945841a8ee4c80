/**
 * No input mistake reaches a host, through the real Pulumi CLI on the lab: an XML that does not match the
 * live cluster, bad values next to values unknown at preview, root as the SSH user, and a garbage key inside
 * valid PEM headers — each fails at preview naming the narrowest property, and nothing on any host changes.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { unusableKey } from "../support/pem";
import { TestProject } from "../support/project";
import { DR_PASSWORD, DrHarness } from "./dr-support";

let h: DrHarness;

/** Checksums of every file gs_sdr would change, and whether any DR state exists, on every node. */
function fingerprintHosts(): Promise<string> {
  return h.onEveryNode(
    ". ~/.bashrc; md5sum /home/omm/data/dn1/postgresql.conf /home/omm/data/dn1/pg_hba.conf; ls -a $PGHOST | grep -E 'streaming_(cabin|lock)' || true",
  );
}

/** Cluster A's XML without its second node: a cluster that has two DNs described as one. */
function shortXml(): string {
  const ip2 = h.hosts("A")[1]!.replace(/\./g, "\\.");
  return (h.lab.clusters["A"]?.xml ?? "")
    .replace(/<DEVICE sn="oga2">[\s\S]*?<\/DEVICE>\s*/, "")
    .replace(/(name="dataNode1" value=")[^"]*/, "$1/home/omm/data/dn1")
    .replace(/,oga2/g, "")
    .replace(new RegExp(`,${ip2}`, "g"), "");
}

describe("bad input never reaches a host", { timeout: 20 * 60_000 }, () => {
  let before0 = "";
  before(
    async () => {
      h = await DrHarness.setup("drbadin");
      before0 = await fingerprintHosts();
    },
    { timeout: 600_000 },
  );
  after(
    async () => {
      assert.equal(await fingerprintHosts(), before0, "no file changed on any host, no DR state created");
      h?.dispose();
    },
    { timeout: 600_000 },
  );

  test("an XML listing fewer DNs than the cluster runs fails at preview on clusters.A.xml; up runs nothing", {
    timeout: 300_000,
  }, async () => {
    const s = h.spec() as {
      clusters: Record<string, { xml: string; ssh: { hostKeys: Record<string, string> } }>;
    };
    s.clusters["A"]!.xml = shortXml();
    delete s.clusters["A"]!.ssh.hostKeys[h.hosts("A")[1]!];
    await h.project.config("dr", JSON.stringify(s));
    const pre = await h.pulumiRun(["preview"]);
    assert.notEqual(pre.code, 0);
    assert.match(pre.out, /clusters\.A\.xml/);
    assert.match(pre.out, /runs DN oga2/);
    const up = await h.pulumiRun(["up", "--yes"]);
    assert.notEqual(up.code, 0);
    assert.doesNotMatch(up.out, /gs_sdr -t start/);
    assert.equal(await fingerprintHosts(), before0);
    await h.setSpec();
  });

  test("root as the SSH user fails at preview on clusters.B.ssh.user", { timeout: 300_000 }, async () => {
    const s = h.spec() as { clusters: Record<string, { ssh: Record<string, unknown> }> };
    s.clusters["B"]!.ssh["user"] = "root";
    await h.project.config("dr", JSON.stringify(s));
    const pre = await h.pulumiRun(["preview"]);
    assert.notEqual(pre.code, 0);
    assert.match(pre.out, /clusters\.B\.ssh\.user.*gs_sdr refuses to run as root/);
    await h.setSpec();
  });

  test("a garbage key inside valid PEM headers fails at preview, and no piece of it is printed", {
    timeout: 300_000,
  }, async () => {
    const body = "Q2FyZWxlc3NVc2VyR2FyYmFnZUtleU1hdGVyaWFs";
    await h.project.config("sshKey", unusableKey(body), true);
    const pre = await h.pulumiRun(["preview"]);
    assert.notEqual(pre.code, 0);
    assert.match(pre.out, /sshKey\.privateKey.*not a usable private key/);
    for (let i = 0; i + 4 <= body.length; i++)
      assert.ok(!pre.out.includes(body.slice(i, i + 4)), `key piece ${body.slice(i, i + 4)} printed`);
    await h.project.config("sshKey", h.key, true);
  });

  test("bad values next to a value unknown at preview are still reported at preview", {
    timeout: 300_000,
  }, async () => {
    // The password comes from another resource created in the same update: unknown during preview.
    const program = `
const pulumi = require("@pulumi/pulumi");
const { DrRelationship } = require("pulumi-hadr");
const cfg = new pulumi.Config();
const key = cfg.requireSecret("sshKey");
const spec = cfg.requireObject("dr");
const echo = new pulumi.dynamic.Resource(
  { async create(inputs) { return { id: "echo", outs: { value: inputs.v } }; } },
  "echo",
  { value: undefined, v: cfg.requireSecret("drPassword") },
);
new DrRelationship("dr", { ...spec, sshKey: { privateKey: key }, drUser: { name: spec.drUser, password: echo.value } });
`;
    const p = await TestProject.create("drunknown", program);
    try {
      await p.config("sshKey", h.key, true);
      await p.config("drPassword", DR_PASSWORD, true);
      await p.config("dr", JSON.stringify(h.spec({ primary: "C", timeoutSeconds: -5 })));
      const r = await p.world.run(["preview"], { timeoutMs: 300_000 });
      const out = r.stdout + r.stderr;
      assert.notEqual(r.code, 0, out);
      assert.match(out, /primary/);
      assert.match(out, /timeoutSeconds/);
    } finally {
      p.dispose();
    }
  });
});
