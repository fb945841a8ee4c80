/**
 * The root program (`Pulumi.yaml` → `dist/program/index.js`, driven by `hadr:*` stack config) through the real Pulumi
 * CLI: a RecoveryPolicy-only config on the lab's V8R3 hosts; config shape errors name the config key; preview,
 * up, a no-op second preview and destroy; stack outputs show the effective mode.
 *
 * The project is a temp directory whose Pulumi.yaml has `main: <repo>/dist/program/index.js` and whose node_modules
 * links `pulumi-hadr` and `@pulumi` to this checkout, as a user's project would install them (the dynamic
 * provider resolves `pulumi-hadr/runtime` from the project directory; docs/decisions.md D3).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type { LabInfo } from "pulumi-hadr-lab";
import { ensureLab, sshExec } from "pulumi-hadr-lab";
import { PulumiWorld, REPO_ROOT } from "../support/pulumi";

const CRON = "/etc/cron.d/KINGBASECRON";
const HA_DB = "/home/kingbase/cluster/HAR3/db/etc/HAmodule.conf";

let lab: LabInfo;
let key: string;
let dir: string;
let world: PulumiWorld;

/** Sets `hadr:<key>` to an object (plain config), the way a user's Pulumi.<stack>.yaml holds it. */
async function setObject(k: string, value: unknown): Promise<void> {
  const json = { [`hadr:${k}`]: { value: JSON.stringify(value), objectValue: value, secret: false } };
  await world.ok(["config", "set-all", "--json", JSON.stringify(json)]);
}

function v8r3Policy(mode: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const c = lab.clusters["kbv8r3"]!;
  return {
    engine: "kingbase-v8r3",
    mode,
    nodes: c.hosts.map((h, i) => ({
      host: h.ip,
      // the second node names its own secret key config (same key here)
      ssh: {
        user: "kingbase",
        port: h.sshPort,
        hostKeys: { [h.ip]: h.hostKey },
        ...(i === 1 ? { privateKeyConfig: "kbNode2Key" } : {}),
      },
      rootAccess: "sudo",
    })),
    ...extra,
  };
}

async function files(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const h of lab.clusters["kbv8r3"]!.hosts) {
    for (const f of [CRON, HA_DB]) {
      const r = await sshExec(lab, h.ip, "kingbase", `sudo -n base64 -w0 ${f}`);
      assert.equal(r.code, 0, r.stderr);
      out[`${h.ip}:${f}`] = Buffer.from(r.stdout.trim(), "base64").toString("utf8");
    }
  }
  return out;
}

before(
  async () => {
    lab = await ensureLab({ engines: ["kingbase-v8r3"] });
    key = fs.readFileSync(lab.clientKeyPath, "utf8");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hadr-root-program-"));
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      `name: hadr\nruntime: nodejs\nmain: ${path.join(REPO_ROOT, "dist", "program", "index.js")}\n`,
    );
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "hadr-root", private: true }));
    fs.mkdirSync(path.join(dir, "node_modules"));
    fs.symlinkSync(REPO_ROOT, path.join(dir, "node_modules", "pulumi-hadr"));
    fs.symlinkSync(
      path.join(REPO_ROOT, "node_modules", "@pulumi"),
      path.join(dir, "node_modules", "@pulumi"),
    );
    world = new PulumiWorld(dir);
    await world.ok(["stack", "init", "test"]);
    await world.ok(["config", "set", "--secret", "hadr:sshPrivateKey"], { input: key });
    await world.ok(["config", "set", "--secret", "hadr:kbNode2Key"], { input: key });
  },
  { timeout: 600_000 },
);

after(
  () => {
    world?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  },
  { timeout: 600_000 },
);

describe("config shape errors stop the program, naming the config key", { timeout: 1_200_000 }, () => {
  // One failing preview covers every case: a failing program costs ~30 s with this CLI/language host.
  test("a private key in plain config, a bad mode, xml and xmlFile together, a missing xmlFile", async () => {
    const bad = v8r3Policy("sometimes") as { nodes: Array<{ ssh: Record<string, unknown> }> };
    bad.nodes[0]!.ssh["privateKey"] = "not here";
    await setObject("recoveryPolicies", { kb: bad });
    const ssh = { hostKeys: {} };
    await setObject("drRelationships", {
      dr: {
        clusters: { A: { xml: "<ROOT/>", xmlFile: "a.xml", ssh }, B: { xmlFile: "missing.xml", ssh } },
        primary: "A",
        drUser: { name: "druser" },
      },
    });
    const before = await files();
    const r = await world.run(["preview"]);
    const out = r.stdout + r.stderr;
    assert.notEqual(r.code, 0);
    assert.match(
      out,
      /hadr:recoveryPolicies\.kb\.nodes\[0\]\.ssh\.privateKey: private keys never go in plain config/,
    );
    assert.match(out, /hadr:recoveryPolicies\.kb\.mode: must be one of "manual", "standby", "automatic"/);
    assert.match(out, /hadr:drRelationships\.dr\.clusters\.A: give exactly one of `xml`/);
    assert.match(
      out,
      /hadr:drRelationships\.dr\.clusters\.B\.xmlFile: cannot read .*missing\.xml \(ENOENT\)/,
    );
    assert.doesNotMatch(out, /not here/, "no config value is echoed");
    assert.deepEqual(await files(), before, "nothing remote was touched");
    await world.ok(["config", "rm", "hadr:drRelationships"]);
  });
});

describe("a RecoveryPolicy-only config through preview, up, no-op preview, destroy", {
  timeout: 1_200_000,
}, () => {
  let pristine: Record<string, string>;
  before(async () => {
    pristine = await files();
    await setObject("recoveryPolicies", { kb: v8r3Policy("manual") });
  });

  test("preview --diff shows the cron line edit per node and changes nothing", async () => {
    const r = await world.ok(["preview", "--diff"]);
    for (const h of lab.clusters["kbv8r3"]!.hosts)
      assert.ok(r.stdout.includes(h.ip), `the plan names ${h.ip}`);
    assert.match(
      r.stdout,
      /\+ #\*\/1 \* \* \* \* kingbase {2}\/home\/kingbase\/cluster\/HAR3\/db\/bin\/network_rewind\.sh/,
    );
    assert.deepEqual(await files(), pristine);
  });

  test("up applies it; stack outputs show the effective mode (flat and by policy name)", async () => {
    await world.ok(["up", "--yes", "--skip-preview"]);
    const outs = await world.outputs();
    const ips = lab.clusters["kbv8r3"]!.hosts.map((h) => h.ip);
    assert.deepEqual(outs["policyEffective"], Object.fromEntries(ips.map((ip) => [ip, "manual"])));
    const byName = outs["recoveryPolicies"] as Record<string, Record<string, unknown>>;
    assert.deepEqual(byName["kb"]!["effective"], outs["policyEffective"]);
    assert.deepEqual(outs["policyDrift"], []);
    assert.equal(outs["drRelationships"], undefined, "no DR relationship declared");
    const now = await files();
    for (const ip of ips) assert.match(now[`${ip}:${CRON}`]!, /^#\*\/1 \* \* \* \* kingbase {2}/m);
  });

  test("a second preview is a no-op", async () => {
    await world.ok(["preview", "--expect-no-changes"]);
  });

  test("destroy restores every file; no key material in state", async () => {
    await world.ok(["destroy", "--yes", "--skip-preview"]);
    assert.deepEqual(await files(), pristine);
    const state = JSON.stringify(await world.exportStack());
    assert.ok(!state.includes(key.split("\n")[1]!), "no key material in the exported state");
  });
});
