import assert from "node:assert/strict";
import { test } from "node:test";
import {
  parseRecoveryPolicy,
  resolveV8r3Paths,
  resolveV8r6Paths,
  rootSshSettings,
  validateRecoveryPolicy,
} from "../../../provider/engines/kingbase/schema";
import { ValidationError } from "../../../provider/errors";
import { FP, KEY } from "./fixtures";

const node = (host: string, extra: Record<string, unknown> = {}) => ({
  host,
  ssh: { hostKeys: { [host]: FP } },
  ...extra,
});

function failures(raw: unknown): Map<string, string> {
  const r = validateRecoveryPolicy(raw);
  assert.equal(r.ok, false, "expected validation to fail");
  return new Map(r.ok ? [] : r.failures.map((f) => [f.property, f.reason]));
}

test("V8R3 defaults: vendor paths, user kingbase, no apply", () => {
  const args = parseRecoveryPolicy({
    engine: "kingbase-v8r3",
    sshKey: { privateKey: KEY },
    mode: "standby",
    nodes: [node("127.0.3.1", { rootAccess: "sudo" })],
  });
  assert.equal(args.engine, "kingbase-v8r3");
  assert.equal(args.nodes[0]!.ssh.user, "kingbase");
  assert.equal(args.nodes[0]!.ssh.port, 22);
  assert.equal(args.acknowledgeDataLoss, false);
  assert.equal("apply" in args, false);
  if (args.engine !== "kingbase-v8r3") throw new Error("engine");
  assert.deepEqual(resolveV8r3Paths(args.paths), {
    haModuleDb: "/home/kingbase/cluster/HAR3/db/etc/HAmodule.conf",
    haModuleCluster: "/home/kingbase/cluster/HAR3/kingbasecluster/etc/HAmodule.conf",
    networkRewindScript: "/home/kingbase/cluster/HAR3/db/bin/network_rewind.sh",
    cronFile: "/etc/cron.d/KINGBASECRON",
    cronUser: "kingbase",
    recoveryFlagFile: "/dev/shm/KB_RECOVERY_FLAG",
  });
});

test("V8R6 defaults: restart-daemons and the vendor install dir; custom paths resolve", () => {
  const args = parseRecoveryPolicy({
    engine: "kingbase-v8r6",
    sshKey: { privateKey: KEY },
    mode: "manual",
    nodes: [node("127.0.4.1")],
    paths: { installDir: "/opt/Kingbase/ES/V8/Server", kbhaPidFile: "/run/kbha.pid" },
    __provider: "serialized-provider-is-ignored",
  });
  if (args.engine !== "kingbase-v8r6") throw new Error("engine");
  assert.equal(args.apply, "restart-daemons");
  assert.deepEqual(resolveV8r6Paths(args.paths), {
    repmgrConf: "/opt/Kingbase/ES/V8/Server/etc/repmgr.conf",
    repmgrdPidFile: "/opt/Kingbase/ES/V8/Server/etc/hamgrd.pid",
    kbhaPidFile: "/run/kbha.pid",
    repmgrBin: "/opt/Kingbase/ES/V8/Server/bin/repmgr",
    repmgrdBin: "/opt/Kingbase/ES/V8/Server/bin/repmgrd",
    kbhaBin: "/opt/Kingbase/ES/V8/Server/bin/kbha",
  });
});

test("every failure is reported at once, each naming its property", () => {
  const f = failures({ engine: "kingbase-v9", mode: "auto", nodes: [], bogus: 1 });
  assert.match(f.get("engine")!, /must be one of "kingbase-v8r3", "kingbase-v8r6"/);
  assert.match(f.get("mode")!, /must be one of "manual", "standby", "automatic"/);
  assert.match(f.get("nodes")!, /at least one/);
  assert.equal(f.get("bogus"), "is not a known property");
});

test("duplicate hosts, missing host key, V8R3 without root access, apply on V8R3, automatic without ack", () => {
  const f = failures({
    engine: "kingbase-v8r3",
    sshKey: { privateKey: KEY },
    mode: "automatic",
    apply: "file-only",
    nodes: [
      node("127.0.3.1", { rootAccess: "sudo" }),
      { host: "127.0.3.2", ssh: {} },
      node("127.0.3.1", { rootAccess: "root-ssh" }),
    ],
  });
  assert.deepEqual([...f.keys()].sort(), [
    "acknowledgeDataLoss",
    "apply",
    "nodes[1].rootAccess",
    "nodes[1].ssh.hostKeys",
    "nodes[2].host",
  ]);
  assert.match(f.get("nodes[2].host")!, /duplicates nodes\[0\]\.host \("127\.0\.3\.1"\)/);
  assert.match(
    f.get("nodes[1].ssh.hostKeys")!,
    /must pin the host key of "127\.0\.3\.2".*unless ssh\.insecure/,
  );
  assert.match(f.get("nodes[1].rootAccess")!, /"sudo".*"root-ssh"/);
  assert.match(f.get("apply")!, /only used with kingbase-v8r6/);
  assert.match(f.get("acknowledgeDataLoss")!, /must be true when mode is "automatic"/);
});

test("insecure skips the host key pin; automatic with acknowledgeDataLoss passes", () => {
  const r = validateRecoveryPolicy({
    engine: "kingbase-v8r6",
    sshKey: { privateKey: KEY },
    mode: "automatic",
    acknowledgeDataLoss: true,
    nodes: [{ host: "127.0.4.1", ssh: { insecure: true } }],
  });
  assert.equal(r.ok, true);
});

test("engine-specific paths and root settings are named when misplaced", () => {
  const f = failures({
    engine: "kingbase-v8r6",
    sshKey: { privateKey: KEY },
    mode: "standby",
    nodes: [node("127.0.4.1", { rootAccess: "sudo", rootSsh: {} })],
    paths: { clusterPath: "/x", repmgrConf: "etc/repmgr conf" },
  });
  assert.match(f.get("paths.clusterPath")!, /is not a kingbase-v8r6 path; allowed: installDir, repmgrConf/);
  assert.match(f.get("paths.repmgrConf")!, /letters, digits/);
  assert.match(f.get("nodes[0].rootAccess")!, /only used with kingbase-v8r3/);
  assert.match(f.get("nodes[0].rootSsh")!, /only used with rootAccess "root-ssh"/);
});

test("nested schema failures carry their full path (ssh.port, hostKeys entry, relative clusterPath)", () => {
  const f = failures({
    engine: "kingbase-v8r3",
    sshKey: { privateKey: KEY },
    mode: "standby",
    nodes: [
      {
        host: "127.0.3.1",
        rootAccess: "sudo",
        ssh: { port: 70000, hostKeys: { "127.0.3.1": "md5:xx" } },
      },
    ],
    paths: { clusterPath: "relative/dir" },
  });
  assert.match(f.get("nodes[0].ssh.port")!, /1\.\.65535/);
  assert.match(f.get('nodes[0].ssh.hostKeys["127.0.3.1"]')!, /SHA256/);
  assert.match(f.get("paths.clusterPath")!, /absolute/);
});

test("root-ssh: rootSsh overrides, user defaults to root, host keys fall back to ssh.hostKeys", () => {
  const args = parseRecoveryPolicy({
    engine: "kingbase-v8r3",
    sshKey: { privateKey: KEY },
    mode: "standby",
    nodes: [
      node("127.0.3.1", { rootAccess: "root-ssh", rootSsh: { port: 22 } }),
      node("127.0.3.2", { rootAccess: "root-ssh" }),
      node("127.0.3.3", { rootAccess: "sudo" }),
    ],
  });
  const r1 = rootSshSettings(args.nodes[0]!)!;
  assert.equal(r1.user, "root");
  assert.equal(r1.port, 22);
  assert.deepEqual(r1.hostKeys, { "127.0.3.1": FP });
  const r2 = rootSshSettings(args.nodes[1]!)!;
  assert.equal(r2.user, "root");
  assert.equal(r2.privateKey, KEY);
  assert.equal(rootSshSettings(args.nodes[2]!), null);
  const f = failures({
    engine: "kingbase-v8r3",
    sshKey: { privateKey: KEY },
    mode: "standby",
    nodes: [
      {
        host: "127.0.3.1",
        ssh: { insecure: true },
        rootAccess: "root-ssh",
        rootSsh: {},
      },
    ],
  });
  assert.match(f.get("nodes[0].rootSsh.hostKeys")!, /must pin the host key/);
});

test("no secret ever appears in a failure (new shape and the old one)", () => {
  const r = validateRecoveryPolicy({
    engine: "kingbase-v8r3",
    mode: "automatic",
    sshKey: { privateKey: "secretKeyMaterialXYZ", passphrase: 42 },
    nodeSshKeys: { "127.0.3.1": { privateKey: KEY, passphrase: "secretPassphraseXYZ" } },
    nodes: [
      { host: "127.0.3.1", ssh: { privateKey: "secretKeyMaterialXYZ", passphrase: "secretPassphraseXYZ" } },
      { host: "127.0.3.1", ssh: { user: "Bad User" } },
    ],
  });
  assert.equal(r.ok, false);
  const text = JSON.stringify(r);
  assert.equal(text.includes("secretKeyMaterialXYZ"), false);
  assert.equal(text.includes("secretPassphraseXYZ"), false);
  assert.throws(
    () =>
      parseRecoveryPolicy({
        engine: "kingbase-v8r3",
        mode: "manual",
        sshKey: { privateKey: "secretKeyMaterialXYZ" },
        nodes: [{ host: "127.0.3.1", ssh: {} }],
      }),
    (e: unknown) =>
      e instanceof ValidationError && !e.message.includes("secretKeyMaterialXYZ") && e.failures.length >= 2,
  );
});
