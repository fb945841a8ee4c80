/**
 * The native provider through the real CLI and the YAML language host, on one established pair (after a
 * failing check that must name the property and print no piece of the key or DR password): a YAML
 * program declares the DR pair A↔B and a V8R6 policy; preview shows the full per-node plan, `up` establishes
 * (progress lines as diagnostics of the resource in `up --json`, no provider code and no plaintext secret in the
 * state), `pulumi import` of the running pair and policy into a second stack runs nothing and changes no file
 * (and one the adopt guard refuses fails), changing `primary` switches over — first with customTimeouts
 * shorter than gs_sdr (a deadline error naming node and output file; gs_sdr left running; the next `up`
 * resumes) —, `destroy` dissolves and restores the policy's file byte for byte.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { sshExec } from "pulumi-hadr-lab";
import { keyPieces } from "../support/keys";
import { DR_PASSWORD, DrHarness } from "./dr-support";
import {
  diagnostics,
  languageHostDir,
  NativeProject,
  nativeDrInputs,
  nativePolicyInputs,
  yamlProgram,
} from "./native-support";

const DR = "hadr:index:DrRelationship";
const POLICY = "hadr:index:RecoveryPolicy";
const V8R6_CONF = "/home/kingbase/cluster/R6HA/kingbase/etc/repmgr.conf";

let h: DrHarness;
let p: NativeProject;
let pristine: string;

/** The program with `primary` as the DR pair's primary, the policy in `mode`, and the pair's resource options. */
const program = (primary: string, mode = "manual", options?: Record<string, unknown>) =>
  yamlProgram("nativeyaml", {
    dr: { type: DR, properties: nativeDrInputs(h.lab, primary), ...(options ? { options } : {}) },
    kb: { type: POLICY, properties: nativePolicyInputs(h.lab, mode) },
  });

/** `<ip> <sha256> <mtime>` of repmgr.conf on every V8R6 node, one line each. */
async function policyFiles(): Promise<string> {
  const out: string[] = [];
  for (const host of h.lab.clusters["kbv8r6"]!.hosts) {
    const r = await sshExec(
      h.lab,
      host.ip,
      "kingbase",
      `echo $(sha256sum ${V8R6_CONF} | cut -d" " -f1) $(stat -c %Y ${V8R6_CONF})`,
    );
    assert.equal(r.code, 0, r.stderr);
    out.push(`${host.ip} ${r.stdout.trim()}`);
  }
  return out.join("\n");
}

/** Every file of the world and project directories, and what the CLI printed, holding no piece of a secret. */
function assertNoLeak(printed: string[]): void {
  const pieces = [...keyPieces(h.key), DR_PASSWORD];
  const texts = [...printed];
  for (const dir of [p.world.dir, p.dir])
    for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true }))
      if (e.isFile()) texts.push(fs.readFileSync(path.join(e.parentPath, e.name), "utf8"));
  const leaks = texts.filter((t) => pieces.some((s) => t.includes(s))).length;
  assert.equal(leaks, 0, "no piece of the SSH key or the DR password anywhere");
}

/** Writes the import file of the pair with `primary` as its primary: no secret, the key by its file. */
function writeDrImport(file: string, primary: string): void {
  const { sshKey: _k, drUser, ...dr } = nativeDrInputs(h.lab, primary);
  const name = (drUser as { name: string }).name;
  fs.writeFileSync(file, JSON.stringify({ ...dr, drUser: { name }, sshKeyFile: h.lab.clientKeyPath }));
}

describe("native provider: a YAML program", { timeout: 40 * 60_000 }, () => {
  const printed: string[] = [];
  const run = async (args: string[]) => {
    const r = await p.world.ok(args, { timeoutMs: 900_000 });
    printed.push(r.stdout, r.stderr);
    return r.stdout + r.stderr;
  };

  before(
    async () => {
      h = await DrHarness.setup("nativeyaml-h", {}, { engines: ["kingbase-v8r6"] });
      pristine = await policyFiles();
      p = await NativeProject.create("nativeyaml", { "Pulumi.yaml": program("A") }, [
        languageHostDir("yaml"),
      ]);
      await p.config("sshKey", h.key, true);
      await p.config("drPassword", DR_PASSWORD, true);
    },
    { timeout: 900_000 },
  );
  after(
    async () => {
      if (p) {
        await p.world.run(["stack", "select", "test"]);
        await p.world.run(["destroy", "--yes", "--skip-preview"], { timeoutMs: 900_000 });
        p.dispose();
      }
      await h?.dissolveLeftovers();
      h?.dispose();
    },
    { timeout: 1_200_000 },
  );

  test("a failing check (root next to the key) names the property and prints no piece of a secret", async () => {
    const bad = nativeDrInputs(h.lab, "A") as { clusters: Record<string, { ssh: Record<string, unknown> }> };
    bad.clusters["A"]!.ssh["user"] = "root";
    p.write({ "Pulumi.yaml": yamlProgram("nativeyaml", { dr: { type: DR, properties: bad } }) });
    for (const args of [
      ["preview", "--diff"],
      ["up", "--yes"],
    ]) {
      const r = await p.world.run(args, { timeoutMs: 600_000 });
      printed.push(r.stdout, r.stderr);
      assert.notEqual(r.code, 0, `pulumi ${args[0]} must fail`);
      assert.match(r.stdout + r.stderr, /clusters\.A\.ssh\.user/);
    }
    assertNoLeak(printed);
    p.write({ "Pulumi.yaml": program("A") });
  });

  test("preview shows the full per-node plan of both resources and runs nothing", async () => {
    const before0 = await h.ourFiles();
    const out = await run(["preview", "--diff"]);
    assert.match(out, /\+ hadr:index:DrRelationship: \(create\)/);
    assert.match(out, /operation: start A->B/);
    assert.match(out, /create: A runs `gs_sdr -t start -m primary` on oga1/);
    assert.match(out, /A\/oga1 replconninfo2:/);
    assert.match(out, /B\/ogb1 stream_cluster_run_mode/);
    assert.match(out, /\+ hadr:index:RecoveryPolicy: \(create\)/);
    assert.match(out, /recovery='manual'/);
    assert.match(out, /sshKey\s*: \[secret\]/);
    assert.equal(await h.ourFiles(), before0, "preview wrote nothing");
    assert.equal(await policyFiles(), pristine);
  });

  test("up establishes the pair and applies the policy; progress on the resource, state without provider code or plaintext secret", async () => {
    const r = await p.world.ok(["up", "--yes", "--skip-preview", "--json"], { timeoutMs: 900_000 });
    printed.push(r.stdout, r.stderr);
    assert.deepEqual(await h.stats(), { A: "archive", B: "recovery" });
    const diags = diagnostics(r.stdout);
    const onDr = diags.filter((d) => d.urn?.endsWith(`::${DR}::dr`));
    assert.ok(
      onDr.some((d) => /plan: operation: start A->B/.test(d.message)),
      "the plan lines are diagnostics of the dr resource",
    );
    assert.ok(onDr.length > 5, `progress lines on the dr resource (${onDr.length})`);
    const dr = await p.resource(DR);
    assert.ok(dr, "the pair is in the state");
    const state = JSON.stringify(await p.world.exportStack());
    assert.doesNotMatch(state, /__provider/, "no serialized provider code in the state");
    const inputs = dr["inputs"] as Record<string, unknown>;
    assert.ok(JSON.stringify(inputs["sshKey"]).includes("ciphertext"), "sshKey is stored encrypted");
    assert.ok(JSON.stringify(inputs["drUser"]).includes("ciphertext"), "drUser is stored encrypted");
    assert.equal((dr["outputs"] as Record<string, unknown>)["primary"], "A");
    assert.notEqual(await policyFiles(), pristine, "the policy edited repmgr.conf");
    assertNoLeak(printed);
  });

  test("pulumi import of the running pair and policy into a new stack runs nothing; its next up neither", async () => {
    const drFile = path.join(p.dir, "dr-import.json");
    const kbFile = path.join(p.dir, "kb-import.json");
    writeDrImport(drFile, "A");
    const { sshKey: _k2, ...kb } = nativePolicyInputs(h.lab, "manual");
    fs.writeFileSync(kbFile, JSON.stringify({ ...kb, sshKeyFile: h.lab.clientKeyPath }));
    const files0 = await h.ourFiles();
    const policy0 = await policyFiles();
    await run(["stack", "init", "imported"]);
    await p.config("sshKey", h.key, true);
    await p.config("drPassword", DR_PASSWORD, true);
    try {
      const imp = await run(["import", DR, "dr", drFile, "--yes"]);
      assert.match(imp, /import/);
      await run(["import", POLICY, "kb", kbFile, "--yes"]);
      const dr1 = await p.resource(DR);
      assert.ok(dr1, "the pair is in the new stack");
      assert.equal(dr1["id"], "dr:A:B", "the id create would give");
      assert.equal((dr1["outputs"] as Record<string, unknown>)["primary"], "A");
      const up = await run(["up", "--yes", "--skip-preview"]);
      assert.doesNotMatch(up, /gs_sdr -t start/);
      assert.equal(await h.ourFiles(), files0, "no gs_sdr ran, no file of ours changed");
      assert.equal(await policyFiles(), policy0, "repmgr.conf unchanged");
      assert.deepEqual(await h.stats(), { A: "archive", B: "recovery" });
      assertNoLeak(printed);
    } finally {
      await p.world.run(["stack", "rm", "imported", "--force", "--yes"]);
      await p.world.ok(["stack", "select", "test"]);
    }
  });

  test("an import the adopt guard refuses (wrong primary) fails and runs nothing", async () => {
    const file = path.join(p.dir, "dr-wrong.json");
    writeDrImport(file, "B");
    const files0 = await h.ourFiles();
    await run(["stack", "init", "refused"]);
    await p.config("sshKey", h.key, true);
    await p.config("drPassword", DR_PASSWORD, true);
    try {
      const r = await p.world.run(["import", DR, "dr", file, "--yes"], { timeoutMs: 600_000 });
      assert.notEqual(r.code, 0);
      assert.match(r.stdout + r.stderr, /import refused \(the adopt guard/);
      assert.equal(await h.ourFiles(), files0);
    } finally {
      await p.world.run(["stack", "rm", "refused", "--force", "--yes"]);
      await p.world.ok(["stack", "select", "test"]);
    }
  });

  test("changing primary switches over; customTimeouts shorter than gs_sdr: a deadline error naming node and output file, the next up resumes", async () => {
    p.write({ "Pulumi.yaml": program("B", "manual", { customTimeouts: { update: "5s" } }) });
    const cut = await p.world.run(["up", "--yes"], { timeoutMs: 900_000 });
    const said = cut.stdout + cut.stderr;
    printed.push(said);
    assert.notEqual(cut.code, 0, "the update passed its deadline");
    assert.match(said, /switchover A->B/);
    assert.match(said, /passed our deadline and was left running \(never killed\)/);
    assert.match(said, /output continues in ~\/\.pulumi-hadr\/\S+\.out on 127\./);
    p.write({ "Pulumi.yaml": program("B") });
    const end = Date.now() + 600_000;
    for (;;) {
      const r = await p.world.run(["up", "--yes"], { timeoutMs: 900_000 });
      printed.push(r.stdout, r.stderr);
      if (r.code === 0) break;
      assert.match(
        r.stdout + r.stderr,
        /wait|running|lock|state changed since preview/i,
        "only waits for the running gs_sdr",
      );
      assert.ok(Date.now() < end, "up converged within 10 minutes");
      await new Promise((res) => setTimeout(res, 10_000));
    }
    assert.deepEqual(await h.stats(), { A: "recovery", B: "archive" });
  });

  test("destroy dissolves the pair and restores repmgr.conf", async () => {
    await run(["destroy", "--yes", "--skip-preview"]);
    const stats = await h.stats();
    assert.ok(
      !/archive|recovery/.test(`${stats.A} ${stats.B}`),
      `both independent: ${JSON.stringify(stats)}`,
    );
    const now = await policyFiles();
    const sums = (s: string) => s.split("\n").map((l) => l.split(" ").slice(0, 2).join(" ")); // ip, sha256
    assert.deepEqual(sums(now), sums(pristine), "repmgr.conf restored byte for byte");
  });
});
