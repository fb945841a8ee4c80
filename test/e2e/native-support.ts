/**
 * What the native provider's end-to-end files share: a project in any Pulumi language that loads
 * `pulumi-resource-hadr` from this checkout (`plugins: providers: - name: hadr, path: plugin/`), the language
 * hosts scripts/install-language-hosts.sh placed, the lab's DR and policy inputs as the native resources
 * take them, and reads of the state and of the engine's event log.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { LabInfo } from "pulumi-hadr-lab";
import { cliBinDir, PulumiWorld, REPO_ROOT } from "../support/pulumi";
import { drSpec } from "./dr-support";
import { policySpec } from "./policy-support";

/** The directory holding the `pulumi-resource-hadr` executable of this checkout. */
export const PLUGIN_DIR = path.join(REPO_ROOT, "plugin");

/**
 * The directory of the CLI, holding a language host scripts/install-language-hosts.sh placed beside it
 * (`yaml`, `python`); throws saying how to install it when it is not there.
 */
export function languageHostDir(lang: "yaml" | "python"): string {
  const dir = cliBinDir();
  if (!fs.existsSync(path.join(dir, `pulumi-language-${lang}`)))
    throw new Error(
      `${dir}/pulumi-language-${lang} is missing: run \`bash scripts/install-language-hosts.sh ${lang}\``,
    );
  return dir;
}

/** A throwaway project: its files, one stack, the native plugin from this checkout. */
export class NativeProject {
  /** The Pulumi world (CLI, PULUMI_HOME, backend). */
  readonly world: PulumiWorld;

  private constructor(
    readonly dir: string,
    pathPrefix: string[],
  ) {
    this.world = new PulumiWorld(dir, { pathPrefix });
  }

  /** Writes `files` (Pulumi.yaml among them) into a new directory and initialises `stack`. */
  static async create(
    name: string,
    files: Record<string, string>,
    pathPrefix: string[] = [],
    stack = "test",
  ): Promise<NativeProject> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hadr-${name}-`));
    const p = new NativeProject(dir, pathPrefix);
    p.write(files);
    await p.world.ok(["stack", "init", stack]);
    return p;
  }

  /** (Re)writes project files. */
  write(files: Record<string, string>): void {
    for (const [f, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(this.dir, f)), { recursive: true });
      fs.writeFileSync(path.join(this.dir, f), text);
    }
  }

  /** Sets a config value through stdin, never argv. */
  async config(key: string, value: string, secret = false): Promise<void> {
    await this.world.ok(["config", "set", ...(secret ? ["--secret"] : []), key], { input: value });
  }

  /** The state's resource of a type token. */
  async resource(type: string): Promise<Record<string, unknown> | undefined> {
    const state = await this.world.exportStack();
    return state.deployment.resources?.find((r) => r["type"] === type);
  }

  /** Removes the project and its Pulumi world. */
  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
    this.world.dispose();
  }
}

/** A YAML interpolation of the config value `name` (`${name}`). */
const ref = (name: string) => `$\{${name}}`;

/** The DrRelationship inputs for lab clusters A and B (secrets as `${sshKey}` / `${drPassword}` references). */
export function nativeDrInputs(lab: LabInfo, primary = "A"): Record<string, unknown> {
  const { drUser, ...spec } = drSpec(lab, { primary });
  return {
    ...spec,
    drUser: { name: drUser, password: ref("drPassword") },
    sshKey: { privateKey: ref("sshKey") },
  };
}

/** The RecoveryPolicy inputs for the lab's V8R6 cluster in `mode`. */
export function nativePolicyInputs(lab: LabInfo, mode: string): Record<string, unknown> {
  return { ...policySpec(lab, "kbv8r6", { mode }), sshKey: { privateKey: ref("sshKey") } };
}

/** A YAML program (Pulumi.yaml, JSON being YAML) declaring `resources`, with the secrets as config. */
export function yamlProgram(name: string, resources: Record<string, unknown>): string {
  return JSON.stringify(
    {
      name,
      runtime: "yaml",
      plugins: { providers: [{ name: "hadr", path: PLUGIN_DIR }] },
      config: { sshKey: { type: "string", secret: true }, drPassword: { type: "string", secret: true } },
      resources,
    },
    null,
    2,
  );
}

/** One diagnostic of `pulumi up|preview --json` (the fields the tests read). */
export interface Diagnostic {
  urn?: string;
  message: string;
  severity: string;
}

/** The top-level JSON values printed one after another (`--json` streams engine events as JSON lines). */
function jsonValues(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"' && depth > 0) inString = true;
    else if (c === "{") {
      if (depth++ === 0) start = i;
    } else if (c === "}" && depth > 0 && --depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
  }
  return out;
}

/** The diagnostics of a `--json` run: its engine events' `diagnosticEvent`s, or a summary's `diagnostics`. */
export function diagnostics(stdout: string): Diagnostic[] {
  return jsonValues(stdout).flatMap((v) => {
    const e = v as { diagnosticEvent?: Diagnostic; diagnostics?: Diagnostic[] };
    return [...(e.diagnosticEvent ? [e.diagnosticEvent] : []), ...(e.diagnostics ?? [])];
  });
}
