import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Repository root (dist/test/support → ../../..). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

/** The lockfile's @pulumi/pulumi version (the oldest SDK this package supports). */
export function pinnedVersion(): string {
  const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8"));
  return String(lock.packages["node_modules/@pulumi/pulumi"].version);
}

/**
 * Which Pulumi CLI a test runs: `current` (scripts/pulumi-versions.json, the default for every test),
 * `lockfile` (the lockfile's SDK version) or an explicit `x.y.z` that scripts/install-pulumi.sh installed.
 * PULUMI_HADR_CLI changes the default for a whole run.
 */
export type CliChoice = "current" | "lockfile" | (string & {});

/** The version a {@link CliChoice} stands for. */
export function cliVersion(choice: CliChoice = process.env.PULUMI_HADR_CLI ?? "current"): string {
  if (choice === "lockfile") return pinnedVersion();
  if (choice !== "current") return choice;
  const versions = JSON.parse(
    fs.readFileSync(path.join(REPO_ROOT, "scripts", "pulumi-versions.json"), "utf8"),
  );
  return String(versions.current);
}

/**
 * Directory holding `pulumi`, `pulumi-language-nodejs` and `pulumi-resource-pulumi-nodejs` of the chosen CLI
 * (PULUMI_HADR_CLI_DIR overrides it for the default choice).
 */
export function cliBinDir(choice?: CliChoice): string {
  const env = choice === undefined ? process.env.PULUMI_HADR_CLI_DIR : undefined;
  const dir = env ?? path.join(REPO_ROOT, ".tools", "pulumi", cliVersion(choice), "bin");
  for (const f of ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"]) {
    if (!fs.existsSync(path.join(dir, f))) {
      throw new Error(`${path.join(dir, f)} is missing: run \`npm run pulumi:install\` first`);
    }
  }
  return dir;
}

/** Options of a {@link PulumiWorld}. */
export interface WorldOptions {
  /** The passphrase of the stack's secrets provider (a random one by default). */
  passphrase?: string;
  /** Which CLI runs (`current` by default). */
  cli?: CliChoice;
  /** Directories put before the CLI's on PATH (e.g. another `node` for the language host). */
  pathPrefix?: string[];
}

/** Result of one CLI invocation. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A throwaway Pulumi world for one test: its own PULUMI_HOME, a file backend in a temp directory, a
 * passphrase chosen by the test, and no network (no update check, no plugin downloads).
 */
export class PulumiWorld {
  /** Temp directory holding PULUMI_HOME and the backend. */
  readonly dir: string;
  /** Environment every CLI call gets. */
  readonly env: NodeJS.ProcessEnv;
  /** Directory of the CLI this world runs. */
  readonly binDir: string;

  constructor(
    /** Directory of the Pulumi project (holds Pulumi.yaml). */
    readonly projectDir: string,
    opts: WorldOptions = {},
  ) {
    const passphrase = opts.passphrase ?? `test-${Math.random().toString(36).slice(2)}`;
    this.binDir = cliBinDir(opts.cli);
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "hadr-pulumi-"));
    const backend = path.join(this.dir, "backend");
    fs.mkdirSync(backend);
    this.env = {
      ...process.env,
      PATH: [...(opts.pathPrefix ?? []), this.binDir, process.env.PATH ?? ""].join(":"),
      PULUMI_HOME: path.join(this.dir, "home"),
      PULUMI_BACKEND_URL: `file://${backend}`,
      PULUMI_CONFIG_PASSPHRASE: passphrase,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
      NO_COLOR: "1",
    };
  }

  /**
   * What a killed CLI can leave in the file backend: the backend (gocloud fileblob) writes a checkpoint's
   * `.attrs` sidecar in place (create, then encode), so a SIGKILL in between leaves it empty and every later
   * command fails with `failed to load checkpoint: EOF`. Removes the empty sidecars (a missing one is read as
   * defaults; the checkpoint itself is written by rename and intact); returns their paths.
   */
  repairKilledCheckpoint(): string[] {
    const removed: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".attrs") && fs.statSync(p).size === 0) {
          fs.rmSync(p);
          removed.push(p);
        }
      }
    };
    walk(path.join(this.dir, "backend"));
    return removed;
  }

  /**
   * Runs `pulumi <args>` in the project directory, in its own process group. At `timeoutMs` it gets SIGINT,
   * and 30 s later the whole group SIGKILL, so no call can hang a test. `killWhen` SIGKILLs the whole
   * process tree (CLI, language host, provider) as soon as the output so far matches (a crash mid-run).
   */
  run(
    args: string[],
    opts: { timeoutMs?: number; input?: string; killWhen?: (output: string) => boolean } = {},
  ): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        path.join(this.binDir, "pulumi"),
        [...args, "--non-interactive", "--color", "never"],
        {
          cwd: this.projectDir,
          env: this.env,
          stdio: ["pipe", "pipe", "pipe"],
          detached: true,
        },
      );
      let stdout = "";
      let stderr = "";
      let killed = false;
      const killGroup = () => {
        try {
          if (child.pid) process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      };
      const watch = () => {
        if (!killed && opts.killWhen?.(stdout + stderr)) {
          killed = true;
          killGroup();
        }
      };
      child.stdout.on("data", (d) => {
        stdout += d;
        watch();
      });
      child.stderr.on("data", (d) => {
        stderr += d;
        watch();
      });
      let hard: NodeJS.Timeout | undefined;
      const timer = setTimeout(() => {
        child.kill("SIGINT");
        hard = setTimeout(killGroup, 30_000);
      }, opts.timeoutMs ?? 600_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        if (hard) clearTimeout(hard);
        resolve({ code, stdout, stderr });
      });
      child.stdin.end(opts.input ?? "");
    });
  }

  /** Runs `pulumi <args>` and throws with both streams when it fails. */
  async ok(args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<CliResult> {
    const r = await this.run(args, opts);
    if (r.code !== 0) {
      throw new Error(
        `pulumi ${args.join(" ")} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
      );
    }
    return r;
  }

  /** `pulumi stack export` of the current stack, parsed. */
  async exportStack(): Promise<{ deployment: { resources?: Array<Record<string, unknown>> } }> {
    return JSON.parse((await this.ok(["stack", "export", "--show-secrets=false"])).stdout);
  }

  /** `pulumi stack output --json`. */
  async outputs(): Promise<Record<string, unknown>> {
    return JSON.parse((await this.ok(["stack", "output", "--json"])).stdout);
  }

  /** Removes the temp directory. */
  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
