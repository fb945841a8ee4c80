import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Repository root (dist/test/support → ../../..). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

/** The @pulumi/pulumi version the package pins; the CLI is built at the same version. */
export function pinnedVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
  return String(pkg.dependencies["@pulumi/pulumi"]).replace(/^[~^]/, "");
}

/** Directory holding `pulumi`, `pulumi-language-nodejs` and `pulumi-resource-pulumi-nodejs`. */
export function cliBinDir(): string {
  const dir =
    process.env.PULUMI_HADR_CLI_DIR ?? path.join(REPO_ROOT, ".tools", "pulumi", pinnedVersion(), "bin");
  for (const f of ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"]) {
    if (!fs.existsSync(path.join(dir, f))) {
      throw new Error(`${path.join(dir, f)} is missing: run \`npm run pulumi:install\` first`);
    }
  }
  return dir;
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

  constructor(
    /** Directory of the Pulumi project (holds Pulumi.yaml). */
    readonly projectDir: string,
    passphrase = `test-${Math.random().toString(36).slice(2)}`,
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "hadr-pulumi-"));
    const backend = path.join(this.dir, "backend");
    fs.mkdirSync(backend);
    this.env = {
      ...process.env,
      PATH: `${cliBinDir()}:${process.env.PATH ?? ""}`,
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
        path.join(cliBinDir(), "pulumi"),
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
