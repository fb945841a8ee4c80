import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorld, REPO_ROOT, type WorldOptions } from "./pulumi";

/** How a {@link TestProject} is made. */
export interface ProjectOptions {
  /** The Pulumi world's options (which CLI, what comes first on PATH). */
  world?: WorldOptions;
  /**
   * Fills the project's node_modules (the directory holds Pulumi.yaml, index.js and package.json by then).
   * By default `pulumi-hadr` and `@pulumi` are links to this checkout.
   */
  install?: (dir: string) => Promise<void>;
}

/** Links `pulumi-hadr` and `@pulumi` of this checkout into a project's node_modules. */
async function linkCheckout(dir: string): Promise<void> {
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(REPO_ROOT, path.join(dir, "node_modules", "pulumi-hadr"));
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules", "@pulumi"), path.join(dir, "node_modules", "@pulumi"));
}

/**
 * A throwaway Pulumi project that uses `pulumi-hadr` the way a user's project does: its own directory with
 * `node_modules/pulumi-hadr` and `node_modules/@pulumi` (links to this checkout unless the options install
 * them otherwise), a JavaScript program, a stack with config, the file backend and a passphrase chosen by
 * the test.
 */
export class TestProject {
  /** The Pulumi world (CLI, PULUMI_HOME, backend). */
  readonly world: PulumiWorld;

  private constructor(
    readonly dir: string,
    world: WorldOptions = {},
  ) {
    this.world = new PulumiWorld(dir, world);
  }

  /** Creates the project with `program` as index.js and initialises `stack`. */
  static async create(
    name: string,
    program: string,
    stack = "test",
    opts: ProjectOptions = {},
  ): Promise<TestProject> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hadr-${name}-`));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\nmain: index.js\n`);
    fs.writeFileSync(path.join(dir, "index.js"), program);
    fs.writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name, private: true, main: "index.js" }),
    );
    await (opts.install ?? linkCheckout)(dir);
    const p = new TestProject(dir, opts.world);
    await p.world.ok(["stack", "init", stack]);
    return p;
  }

  /** Sets a config value through stdin, never argv (`secret` stores it encrypted). */
  async config(key: string, value: string, secret = false): Promise<void> {
    await this.world.ok(["config", "set", ...(secret ? ["--secret"] : []), key], { input: value });
  }

  /** Removes the project and its Pulumi world. */
  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
    this.world.dispose();
  }
}
