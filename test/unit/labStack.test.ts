/**
 * The lab stack's config (`npm start`) follows the lab's openGauss pairs: one DrRelationship per provisioned
 * pair, each cluster's peer its pair partner, primary the pair's first cluster; and every value is what the
 * root program's config schemas (program/config.ts) accept. Pure (a made-up lab.json).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { LabInfo } from "pulumi-hadr-lab";
import { z } from "zod";
import { drRelationshipConfig, recoveryPolicyConfig } from "../../program/config";
import { labStackConfig } from "../../program/labStack";

function lab(pairs: number, provisioned = true): LabInfo {
  const names = pairs === 2 ? ["A", "B", "C", "D"] : ["A", "B"];
  const clusters: LabInfo["clusters"] = {};
  for (const [i, n] of names.entries()) {
    clusters[n] = {
      engine: "opengauss",
      provisioned,
      user: "omm",
      envFile: "/home/omm/.bashrc",
      xml: `<ROOT>${n}</ROOT>`,
      nodes: [],
      extra: { drUser: { name: "druser" } },
      hosts: [
        {
          ip: `127.9.${[1, 2, 5, 6][i]}.1`,
          name: `og${n.toLowerCase()}1`,
          sshPort: 22,
          hostKey: `SHA256:${n}`,
        },
      ],
    };
  }
  const user = { name: "omm", uid: 1, gid: 1, home: "/home/omm" };
  return {
    root: "/r",
    net: 9,
    nodes: 1,
    pairs,
    portBase: 26000,
    asRoot: true,
    users: { omm: user, kingbase: { ...user, name: "kingbase" } },
    clientKeyPath: "/k",
    clusterKeyPath: "/c",
    knownHostsPath: "/h",
    toolsDir: "/t",
    clusters,
  };
}

type Drs = Record<string, { primary: string; clusters: Record<string, { xml: string }> }>;

test("one DrRelationship per provisioned pair: dr = A↔B, dr2 = C↔D", { timeout: 30_000 }, () => {
  const two = labStackConfig(lab(2), { withDr: true })["hadr:drRelationships"] as Drs;
  assert.deepEqual(Object.keys(two), ["dr", "dr2"]);
  assert.equal(two["dr"]!.primary, "A");
  assert.deepEqual(Object.keys(two["dr"]!.clusters), ["A", "B"]);
  assert.equal(two["dr2"]!.primary, "C");
  assert.deepEqual(Object.keys(two["dr2"]!.clusters), ["C", "D"]);
  assert.equal(two["dr2"]!.clusters["D"]!.xml, "<ROOT>D</ROOT>");
  const one = labStackConfig(lab(1), { withDr: true })["hadr:drRelationships"] as Drs;
  assert.deepEqual(Object.keys(one), ["dr"]);
  assert.equal(labStackConfig(lab(2), { withDr: false })["hadr:drRelationships"], undefined);
  assert.equal(labStackConfig(lab(2, false), { withDr: true })["hadr:drRelationships"], undefined);
});

test("the config it writes is what the root program's config schemas accept (DR and both policies)", () => {
  const l = lab(2);
  for (const [name, engine] of [
    ["kbv8r3", "kingbase-v8r3"],
    ["kbv8r6", "kingbase-v8r6"],
  ] as const) {
    l.clusters[name] = {
      ...l.clusters["A"]!,
      engine,
      hosts: [{ ip: "127.9.3.1", name: `${name}1`, sshPort: 22, hostKey: "SHA256:k" }],
    };
  }
  const cfg = labStackConfig(l, { withDr: true });
  assert.deepEqual(Object.keys(cfg), ["hadr:drRelationships", "hadr:recoveryPolicies"]);
  const drs = z.record(z.string(), drRelationshipConfig).safeParse(cfg["hadr:drRelationships"]);
  assert.ok(drs.success, JSON.stringify(drs.error?.issues));
  const policies = z.record(z.string(), recoveryPolicyConfig).safeParse(cfg["hadr:recoveryPolicies"]);
  assert.ok(policies.success, JSON.stringify(policies.error?.issues));
  assert.deepEqual(Object.keys(policies.data!), ["kbv8r3", "kbv8r6"]);
  assert.equal(policies.data!["kbv8r3"]!.nodes[0]!.rootAccess, "sudo");
  l.clusters["kbv8r6"]!.engine = "opengauss";
  assert.throws(() => labStackConfig(l, { withDr: true }), /kbv8r6: engine opengauss is not one of/);
});
