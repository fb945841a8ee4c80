/**
 * Engine canary: a minimal dynamic resource driven through the real Pulumi CLI (file backend, passphrase
 * from the test) with preview, up, refresh and destroy. It fails when the engine, the Node.js language host
 * or the dynamic-provider plugin is missing or mis-wired. It stays in the suite forever.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { cliVersion, PulumiWorld, REPO_ROOT } from "../support/pulumi";

let world: PulumiWorld;
let traces: string;

before(
  async () => {
    // The project is copied into a temp dir (stack files stay out of the repo) next to a link to node_modules.
    const src = path.join(REPO_ROOT, "test", "canary", "project");
    const tmpProject = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "hadr-canary-"));
    for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(tmpProject, f));
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(tmpProject, "node_modules"));
    world = new PulumiWorld(tmpProject);
    traces = path.join(world.dir, "traces");
    fs.mkdirSync(traces);
    await world.ok(["stack", "init", "canary"]);
    await world.ok(["config", "set", "value", "hello"]);
    await world.ok(["config", "set", "dir", traces]);
  },
  { timeout: 600_000 },
);

after(
  () => {
    if (world) {
      fs.rmSync(world.projectDir, { recursive: true, force: true });
      world.dispose();
    }
  },
  { timeout: 600_000 },
);

test("the CLI is the current one (scripts/pulumi-versions.json)", async () => {
  const r = await world.ok(["version"]);
  assert.equal(r.stdout.trim(), `v${cliVersion("current")}`);
});

test("preview plans the create and runs no provider hook", async () => {
  const r = await world.ok(["preview", "--diff"]);
  assert.match(r.stdout, /\+ pulumi-nodejs:dynamic\/canary:Probe/);
  assert.match(r.stdout, /\+ 2 to create/);
  assert.equal(fs.existsSync(path.join(traces, "live")), false, "create must not run in preview");
});

test("up runs create in the dynamic-provider plugin and exports its output", async () => {
  const r = await world.ok(["up", "--yes", "--skip-preview"]);
  assert.match(r.stdout, /canary: create hello/, "the provider's stdout is relayed by the engine");
  assert.equal(fs.readFileSync(path.join(traces, "live"), "utf8"), "hello");
  assert.deepEqual(await world.outputs(), { echoed: "HELLO" });
});

test("refresh runs read and records the live value", async () => {
  fs.writeFileSync(path.join(traces, "live"), "drifted");
  const r = await world.ok(["refresh", "--yes", "--skip-preview"]);
  assert.match(r.stdout, /canary: read drifted/);
  const state = await world.exportStack();
  const probe = state.deployment.resources?.find(
    (res) => res["type"] === "pulumi-nodejs:dynamic/canary:Probe",
  );
  assert.ok(probe, "the probe is in the state");
  assert.equal((probe["outputs"] as Record<string, unknown>)["echoed"], "DRIFTED");
});

test("destroy runs delete", async () => {
  const r = await world.ok(["destroy", "--yes", "--skip-preview"]);
  assert.match(r.stdout, /canary: delete probe-1/);
  assert.equal(fs.readFileSync(path.join(traces, "deleted"), "utf8"), "probe-1");
  const state = await world.exportStack();
  assert.equal(state.deployment.resources?.length ?? 0, 0);
});
