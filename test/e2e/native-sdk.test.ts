/**
 * The native provider through the generated SDKs and the real CLI, on the lab's pair A↔B: a TypeScript
 * program type-checked against the generated TypeScript SDK (preview, up, switchover, destroy) and a Python
 * program on the generated Python SDK, run by the Python language host of sdk/v3@v3.68.0 with `pulumi` from
 * PyPI in a venv (preview, up, destroy). SDKs: `scripts/gen-sdk.sh` from schema.json.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO_ROOT } from "../support/pulumi";
import { DR_PASSWORD, DrHarness } from "./dr-support";
import { languageHostDir, NativeProject, PLUGIN_DIR } from "./native-support";

const SDK = path.join(REPO_ROOT, "dist", "sdk");
const DR = "hadr:index:DrRelationship";

let h: DrHarness;

/** Runs a command to completion (bounded), failing the test with its output unless it exits 0. */
function sh(cmd: string, args: string[], cwd = REPO_ROOT, timeout = 600_000): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The venv of the Python tests (scripts/install-language-hosts.sh). */
function venv(): string {
  const v = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "scripts", "pulumi-versions.json"), "utf8"));
  return path.join(REPO_ROOT, ".tools", "python-venv", v.pythonSdk);
}

/** Sets the lab's `dr` config and the secrets on the project's stack. */
async function configure(p: NativeProject, primary: string): Promise<void> {
  await p.config("sshKey", h.key, true);
  await p.config("drPassword", DR_PASSWORD, true);
  await p.config("dr", JSON.stringify(h.spec({ primary })));
}

const TS_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import * as hadr from "@pulumi-hadr/hadr";

const cfg = new pulumi.Config();
const spec = cfg.requireObject<Omit<hadr.DrRelationshipArgs, "drUser"> & { drUser: string }>("dr");
const dr = new hadr.DrRelationship("dr", {
  ...spec,
  drUser: { name: spec.drUser, password: cfg.requireSecret("drPassword") },
  sshKey: { privateKey: cfg.requireSecret("sshKey") },
});
export const primary = dr.primary;
export const health = dr.health;
`;

const PY_PROGRAM = `import pulumi
import pulumi_hadr as hadr

cfg = pulumi.Config()
spec = cfg.require_object("dr")
dr = hadr.DrRelationship(
    "dr",
    primary=spec["primary"],
    clusters=spec["clusters"],
    timeout_seconds=spec["timeoutSeconds"],
    dr_user={"name": spec["drUser"], "password": cfg.require_secret("drPassword")},
    ssh_key={"privateKey": cfg.require_secret("sshKey")},
)
pulumi.export("primary", dr.primary)
`;

describe("native provider: programs on the generated SDKs", { timeout: 55 * 60_000 }, () => {
  before(
    async () => {
      h = await DrHarness.setup("nativesdk-h");
      // the first run in a checkout builds the generator: with the CLI reused from $PULUMI_HOME (no Go build in
      // this checkout) its Go cache is cold, which took over 10 minutes on a loaded machine
      sh("bash", ["scripts/gen-sdk.sh", "nodejs", "python"], REPO_ROOT, 1_500_000);
      // The TypeScript SDK targets the newest @pulumi/pulumi (its `exists` uses runtime.existsResource, which
      // this package's pinned 3.248 lacks): compiled here, that one method's errors are the only ones allowed.
      const tsc = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
      const r = spawnSync(process.execPath, [tsc, "-p", path.join(SDK, "nodejs")], {
        encoding: "utf8",
        timeout: 300_000,
      });
      const errors = r.stdout.split("\n").filter((l) => /error TS/.test(l) && !/existsResource/.test(l));
      assert.deepEqual(errors, [], r.stdout);
      for (const f of ["package.json", "README.md"])
        fs.copyFileSync(path.join(SDK, "nodejs", f), path.join(SDK, "nodejs", "bin", f));
      sh(path.join(venv(), "bin", "pip"), [
        "install",
        "--quiet",
        "--no-build-isolation",
        "--no-deps",
        "--force-reinstall",
        "--disable-pip-version-check",
        path.join(SDK, "python"),
      ]);
    },
    { timeout: 1_800_000 },
  );
  after(
    async () => {
      await h?.dissolveLeftovers();
      h?.dispose();
    },
    { timeout: 900_000 },
  );

  test("TypeScript on the generated SDK: preview, up, switchover, destroy", {
    timeout: 1_500_000,
  }, async () => {
    const plugins = `plugins:\n  providers:\n    - name: hadr\n      path: ${PLUGIN_DIR}\n`;
    const p = await NativeProject.create("nativets", {
      "Pulumi.yaml": `name: nativets\nruntime: nodejs\nmain: index.js\n${plugins}`,
      "index.ts": TS_PROGRAM,
      "package.json": JSON.stringify({ name: "nativets", private: true, main: "index.js" }),
      "tsconfig.json": JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "commonjs",
          strict: true,
          skipLibCheck: true,
          types: [],
        },
        files: ["index.ts"],
      }),
    });
    try {
      fs.mkdirSync(path.join(p.dir, "node_modules", "@pulumi-hadr"), { recursive: true });
      fs.symlinkSync(
        path.join(REPO_ROOT, "node_modules", "@pulumi"),
        path.join(p.dir, "node_modules", "@pulumi"),
      );
      fs.symlinkSync(
        path.join(SDK, "nodejs", "bin"),
        path.join(p.dir, "node_modules", "@pulumi-hadr", "hadr"),
      );
      sh(process.execPath, [path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", p.dir]);
      await configure(p, "A");
      const preview = await p.world.ok(["preview", "--diff"], { timeoutMs: 600_000 });
      assert.match(preview.stdout, /\+ hadr:index:DrRelationship: \(create\)/);
      assert.match(preview.stdout, /operation: start A->B/);
      await p.world.ok(["up", "--yes", "--skip-preview"], { timeoutMs: 900_000 });
      assert.deepEqual(await h.stats(), { A: "archive", B: "recovery" });
      assert.equal((await p.world.outputs())["primary"], "A");
      await configure(p, "B");
      const sw = await p.world.ok(["up", "--yes"], { timeoutMs: 900_000 });
      assert.match(sw.stdout, /switchover A->B/);
      assert.deepEqual(await h.stats(), { A: "recovery", B: "archive" });
      assert.ok(await p.resource(DR), "the state holds the native resource");
      await p.world.ok(["destroy", "--yes", "--skip-preview"], { timeoutMs: 900_000 });
      const s = await h.stats();
      assert.ok(!/archive|recovery/.test(`${s.A} ${s.B}`), `dissolved: ${JSON.stringify(s)}`);
    } finally {
      p.dispose();
    }
  });

  test("Python on the generated SDK (host of sdk/v3@v3.68.0): preview, up, destroy", {
    timeout: 1_200_000,
  }, async () => {
    languageHostDir("python");
    const p = await NativeProject.create("nativepy", {
      "Pulumi.yaml": `name: nativepy\nruntime:\n  name: python\n  options:\n    virtualenv: ${venv()}\nplugins:\n  providers:\n    - name: hadr\n      path: ${PLUGIN_DIR}\n`,
      "__main__.py": PY_PROGRAM,
    });
    // The v3.68 host runs `python3` from PATH: the venv's first.
    p.world.env["PATH"] = `${path.join(venv(), "bin")}:${p.world.env["PATH"]}`;
    p.world.env["VIRTUAL_ENV"] = venv();
    try {
      await configure(p, "A");
      const preview = await p.world.ok(["preview", "--diff"], { timeoutMs: 600_000 });
      assert.match(preview.stdout, /operation: start A->B/);
      await p.world.ok(["up", "--yes", "--skip-preview"], { timeoutMs: 900_000 });
      assert.deepEqual(await h.stats(), { A: "archive", B: "recovery" });
      assert.equal((await p.world.outputs())["primary"], "A");
      await p.world.ok(["destroy", "--yes", "--skip-preview"], { timeoutMs: 900_000 });
      const s = await h.stats();
      assert.ok(!/archive|recovery/.test(`${s.A} ${s.B}`), `dissolved: ${JSON.stringify(s)}`);
    } finally {
      p.dispose();
    }
  });
});
