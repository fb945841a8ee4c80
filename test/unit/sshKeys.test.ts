/**
 * SSH keys as top-level secret inputs: which key each login gets, the narrow property paths of every key
 * failure, the "has moved" failures for keys written inside `clusters` / `nodes`, and the lifting of state
 * written before 0.3 (keys inside `clusters.<n>.ssh` / `nodes[i].ssh`).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  liftLegacyPolicyKeys,
  resolveNodeKeys,
  rootSshSettings,
  validateRecoveryPolicy,
} from "../../provider/engines/kingbase/schema";
import {
  liftLegacyKeys,
  resolveClusterKeys,
  validateDrRelationship,
} from "../../provider/engines/opengauss/schema";
import { testPrivateKey } from "../support/keys";
import { fixture } from "./opengauss/fixtures";

const K1 = { privateKey: "key-one" };
const K2 = { privateKey: "key-two", passphrase: "pp" };
const KEY = testPrivateKey();

test("resolveClusterKeys: override, else sshKey, else a failure on sshKey naming the cluster", () => {
  const rows: Array<[string, Parameters<typeof resolveClusterKeys>, Record<string, unknown>, string[]]> = [
    ["default for both", [["A", "B"], K1, undefined], { A: K1, B: K1 }, []],
    ["override for B", [["A", "B"], K1, { B: K2 }], { A: K1, B: K2 }, []],
    ["overrides only", [["A", "B"], undefined, { A: K1, B: K2 }], { A: K1, B: K2 }, []],
    [
      "B has none",
      [["A", "B"], undefined, { A: K1 }],
      { A: K1 },
      ['sshKey: is required: cluster "B" has no SSH key'],
    ],
    [
      "override for no cluster",
      [["A", "B"], K1, { C: K2 }],
      { A: K1, B: K1 },
      ['clusterSshKeys.C: is not one of the clusters ("A", "B")'],
    ],
  ];
  for (const [name, args, keys, failures] of rows) {
    const r = resolveClusterKeys(...args);
    assert.deepEqual(r.keys, keys, name);
    assert.deepEqual(
      r.failures.map((f) => `${f.property}: ${f.reason}`.slice(0, failures[0]?.length ?? 0)),
      failures,
      name,
    );
  }
});

test("resolveNodeKeys: node override, sshKey; root: node root override, rootSshKey, else the node's key", () => {
  const nodes = [
    { host: "h1", rootAccess: "root-ssh" as const },
    { host: "h2", rootAccess: "root-ssh" as const },
    { host: "h3", rootAccess: "sudo" as const },
  ];
  const r = resolveNodeKeys({ nodes, sshKey: K1, nodeSshKeys: { h2: K2 }, nodeRootSshKeys: { h1: K2 } });
  assert.deepEqual(r.failures, []);
  assert.deepEqual(r.keys, { h1: { key: K1, rootKey: K2 }, h2: { key: K2 }, h3: { key: K1 } });
  const r2 = resolveNodeKeys({ nodes, sshKey: K1, rootSshKey: K2 });
  assert.deepEqual(r2.keys["h1"], { key: K1, rootKey: K2 });
  assert.deepEqual(r2.keys["h3"], { key: K1 }, "a sudo node has no root login");
  const bad = resolveNodeKeys({ nodes, nodeSshKeys: { h1: K1, h9: K1 }, nodeRootSshKeys: { h3: K2 } });
  assert.deepEqual(
    bad.failures.map((f) => f.property),
    ["sshKey", "sshKey", "nodeSshKeys.h9", "nodeRootSshKeys.h3"],
  );
  assert.match(bad.failures[0]!.reason, /node "h2" \(nodes\[1\]\) has no SSH key/);
});

const drBase = () => ({
  clusters: {
    A: { xml: fixture("cluster-A.xml"), ssh: { insecure: true } },
    B: { xml: fixture("cluster-B.xml"), ssh: { insecure: true } },
  },
  primary: "A",
  drUser: { name: "dr_user", password: "Secret_2024#x" },
});

test("DrRelationship: the key lands in each cluster's parsed ssh; adopt defaults to false", () => {
  const other = testPrivateKey("other");
  const v = validateDrRelationship({
    ...drBase(),
    sshKey: { privateKey: KEY },
    clusterSshKeys: { B: { privateKey: other } },
  });
  assert.deepEqual(v.failures, []);
  assert.equal(v.args!.clusters["A"]!.ssh.privateKey, KEY);
  assert.equal(v.args!.clusters["B"]!.ssh.privateKey, other);
  assert.equal(v.args!.adopt, false);
  assert.equal(
    validateDrRelationship({ ...drBase(), sshKey: { privateKey: KEY }, adopt: true }).args!.adopt,
    true,
  );
  const notBool = validateDrRelationship({ ...drBase(), sshKey: { privateKey: KEY }, adopt: "yes" });
  assert.deepEqual(
    notBool.failures.map((f) => f.property),
    ["adopt"],
  );
});

test("DrRelationship: a key inside clusters.<n>.ssh (the old shape) is refused with where it moved, never quoted", () => {
  const raw = drBase() as ReturnType<typeof drBase> & { clusters: { A: { ssh: Record<string, unknown> } } };
  raw.clusters.A.ssh = { insecure: true, privateKey: "SECRET-KEY-TEXT", passphrase: "SECRET-PASS" };
  const v = validateDrRelationship({ ...raw, sshKey: { privateKey: KEY } });
  const f = v.failures.map((x) => `${x.property}: ${x.reason}`);
  assert.equal(f.length, 2, f.join("\n"));
  assert.match(
    f[0]!,
    /^clusters\.A\.ssh\.privateKey: has moved out of clusters\.A\.ssh: give it as sshKey\.privateKey \(or clusterSshKeys\.A\.privateKey\)/,
  );
  assert.match(f[1]!, /^clusters\.A\.ssh\.passphrase: has moved/);
  assert.ok(!JSON.stringify(v.failures).includes("SECRET"));
});

test("liftLegacyKeys: old state's per-cluster keys move to clusterSshKeys and then validate; new state is untouched", () => {
  const old = {
    ...drBase(),
    clusters: {
      A: { xml: fixture("cluster-A.xml"), ssh: { insecure: true, privateKey: KEY } },
      B: { xml: fixture("cluster-B.xml"), ssh: { insecure: true, privateKey: KEY, passphrase: "pp" } },
    },
  };
  const lifted = liftLegacyKeys(old);
  assert.deepEqual(lifted["clusterSshKeys"], {
    A: { privateKey: KEY },
    B: { privateKey: KEY, passphrase: "pp" },
  });
  assert.deepEqual((lifted["clusters"] as Record<string, { ssh: unknown }>)["B"]!.ssh, { insecure: true });
  assert.equal(
    validateDrRelationship({ ...lifted, clusterSshKeys: { A: { privateKey: KEY }, B: { privateKey: KEY } } })
      .failures.length,
    0,
  );
  const current = { ...drBase(), sshKey: { privateKey: KEY } };
  assert.equal(liftLegacyKeys(current), current);
});

test("RecoveryPolicy: keys resolve into ssh / root logins; old-shape keys are refused with where they moved", () => {
  const nodes = [
    { host: "127.0.3.1", ssh: { insecure: true }, rootAccess: "root-ssh" },
    {
      host: "127.0.3.2",
      ssh: { insecure: true },
      rootAccess: "root-ssh",
      rootSsh: { insecure: true, port: 2222 },
    },
  ];
  const rootKey = testPrivateKey("root");
  const v = validateRecoveryPolicy({
    engine: "kingbase-v8r3",
    mode: "standby",
    nodes,
    sshKey: { privateKey: KEY },
    rootSshKey: { privateKey: rootKey },
  });
  assert.ok(v.ok, JSON.stringify(v));
  if (!v.ok) return;
  assert.equal(v.args.nodes[0]!.ssh.privateKey, KEY);
  assert.equal(
    rootSshSettings(v.args.nodes[0]!)!.privateKey,
    rootKey,
    "no rootSsh: the ssh login as root, with the root key",
  );
  assert.equal(rootSshSettings(v.args.nodes[1]!)!.privateKey, rootKey);
  assert.equal(rootSshSettings(v.args.nodes[1]!)!.port, 2222);

  const old = validateRecoveryPolicy({
    engine: "kingbase-v8r3",
    mode: "standby",
    sshKey: { privateKey: KEY },
    nodes: [
      {
        ...nodes[1],
        ssh: { insecure: true, privateKey: "SECRET-A" },
        rootSsh: { insecure: true, privateKey: "SECRET-B" },
      },
    ],
  });
  assert.equal(old.ok, false);
  if (old.ok) return;
  const f = old.failures.map((x) => `${x.property}: ${x.reason}`);
  assert.ok(
    f.some((x) =>
      x.startsWith(
        'nodes[0].ssh.privateKey: has moved out of nodes[0].ssh: give it as sshKey.privateKey (or nodeSshKeys["127.0.3.2"].privateKey)',
      ),
    ),
    f.join("\n"),
  );
  assert.ok(
    f.some((x) =>
      x.startsWith(
        "nodes[0].rootSsh.privateKey: has moved out of nodes[0].rootSsh: give it as rootSshKey.privateKey",
      ),
    ),
    f.join("\n"),
  );
  assert.ok(!JSON.stringify(old).includes("SECRET"));
});

test("liftLegacyPolicyKeys: old state's node keys move to nodeSshKeys / nodeRootSshKeys by host and validate", () => {
  const old = {
    engine: "kingbase-v8r3",
    mode: "standby",
    nodes: [
      { host: "127.0.3.1", ssh: { insecure: true, privateKey: KEY }, rootAccess: "sudo" },
      {
        host: "127.0.3.2",
        ssh: { insecure: true, privateKey: KEY },
        rootAccess: "root-ssh",
        rootSsh: { insecure: true, privateKey: KEY },
      },
    ],
  };
  const lifted = liftLegacyPolicyKeys(old);
  assert.deepEqual(Object.keys(lifted["nodeSshKeys"] as object), ["127.0.3.1", "127.0.3.2"]);
  assert.deepEqual(Object.keys(lifted["nodeRootSshKeys"] as object), ["127.0.3.2"]);
  assert.ok(validateRecoveryPolicy(lifted).ok);
  const current = { engine: "kingbase-v8r3", nodes: [{ host: "h", ssh: {} }] };
  assert.equal(liftLegacyPolicyKeys(current), current);
});
