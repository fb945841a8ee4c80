#!/usr/bin/env node
/**
 * The `pulumi-hadr` command (package.json `bin`):
 *
 *   pulumi-hadr status <inputs.json> --ssh-key-file [<cluster>=]<path> … [--json]
 *       Reads a DR pair (read-only): roles, RPO/RTO, health, locks, running gs_sdr per cluster (status.ts).
 *   pulumi-hadr import-spec <dr-relationship|recovery-policy> <name> --inputs <inputs.json>
 *       --ssh-key-file [<cluster-or-host>=]<path> … [--root-ssh-key-file <path>] [--out <import.json>]
 *       Reads the live clusters through the provider's own read hook and writes the `pulumi import --file`
 *       spec (importSpec.ts).
 *   pulumi-hadr drill-report [<file>|-] [--output <name>] [--title <text>]
 *       Prints a drill's evidence (`lastDrill` from `pulumi stack output --json`) as Markdown (drillReport.ts).
 *   pulumi-hadr --version | --help
 *
 * `inputs.json` holds the resource's inputs as the program passes them, without any secret; a DR cluster may
 * give `xmlFile` (relative to the inputs file) instead of `xml`. The key passphrase, if any, comes from
 * HADR_SSH_KEY_PASSPHRASE (never argv).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ImportRules } from "../core/engine";
import { readForImport, withFiles, withPlaceholders } from "../core/importing";
import { consoleSink } from "../core/progress";
import { shim } from "../dynamic/shim";
import { describeError } from "../errors";
import type { Runtime } from "../runtime";
import { DRILL_REPORT_USAGE, drillReportMain } from "./drillReport";
import { importFile, importType } from "./importSpec";

/** The package's runtime (engine map), loaded when a command needs it (`--version` and drill-report do not). */
const packageRuntime = (): Runtime => (require("../runtime") as typeof import("../runtime")).runtime;

/** `a|b|…`: the CLI words of the runtime's kinds. */
const commandsOf = (rt: Runtime): string => rt.entries.map((x) => x.engine.kind.command).join("|");

const usage = (rt: Runtime) => `usage:
  pulumi-hadr status <inputs.json> --ssh-key-file [<cluster>=]<path> ... [--json]
      Reads a DR pair and prints health, primary, RPO/RTO and per cluster hadr_cluster_stat, cluster_state,
      running gs_sdr, locks and step files. Read-only: runs nothing that changes a host; needs no stack.
  pulumi-hadr import-spec <${commandsOf(rt)}> <name> --inputs <inputs.json>
         --ssh-key-file [<cluster-or-host>=]<path> ... [--root-ssh-key-file <path>] [--out <import.json>]
      Writes the file for \`pulumi import --file <import.json> --generate-code=false\` (Pulumi CLI >= 3.254).
${DRILL_REPORT_USAGE.replace(/^usage: /, "  ").replace(/\n {2}/g, "\n      ")}
  pulumi-hadr --version | --help

inputs.json: the resource's inputs as your program passes them, without any secret (keys and passwords are
not needed; a cluster's xmlFile is read relative to inputs.json), e.g. for a DR pair
  { "primary": "siteA",
    "drUser": { "name": "druser" },
    "clusters": {
      "siteA": { "xmlFile": "siteA.xml",
                 "ssh": { "user": "omm", "port": 22,
                          "hostKeys": { "siteA-db1": "SHA256:...", "siteA-db2": "SHA256:..." } } },
      "siteB": { "xmlFile": "siteB.xml",
                 "ssh": { "hostKeys": { "siteB-db1": "SHA256:...", "siteB-db2": "SHA256:..." } } } } }
  (for a recovery policy: engine, mode, nodes, paths, ...)

--ssh-key-file <path> is the key of every login, <cluster-or-host>=<path> an override. A key passphrase, if
any, is read from HADR_SSH_KEY_PASSPHRASE (never from the command line).`;

/** The version of this package (package.json next to dist/). */
export function packageVersion(): string {
  const file = path.join(__dirname, "..", "..", "..", "package.json");
  return String(JSON.parse(fs.readFileSync(file, "utf8")).version);
}

/** Parsed command line. */
interface Options {
  /** The kind's CLI word (`kind.command`). */
  kind: string;
  name: string;
  inputs: string;
  keys: Array<{ target?: string; file: string }>;
  rootKey?: string;
  out: string;
}

class UsageError extends Error {}

/** Reads `--flag value` pairs into `o`; `allowed` lists the flags of the command. */
function parseFlags(
  rest: string[],
  o: Partial<Options> & { keys: Options["keys"] },
  allowed: string[],
): void {
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i]!;
    const value = rest[i + 1];
    if (!allowed.includes(flag)) throw new UsageError(`unknown option ${flag}`);
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (flag === "--inputs") o.inputs = value;
    else if (flag === "--out") o.out = value;
    else if (flag === "--root-ssh-key-file") o.rootKey = value;
    else {
      const eq = value.indexOf("=");
      o.keys.push(eq > 0 ? { target: value.slice(0, eq), file: value.slice(eq + 1) } : { file: value });
    }
  }
  if (!o.inputs) throw new UsageError("--inputs is required");
  if (o.keys.length === 0) throw new UsageError("--ssh-key-file is required");
}

function parseImportSpec(argv: string[], rt: Runtime): Options {
  const [, kind, name, ...rest] = argv;
  if (!kind || !rt.byCommand(kind))
    throw new UsageError(`the kind must be one of ${commandsOf(rt).replace(/\|/g, ", ")}`);
  if (!name || name.startsWith("-"))
    throw new UsageError("the resource name (as in your program) is missing");
  const o: Partial<Options> & { keys: Options["keys"] } = {
    kind,
    name,
    keys: [],
    out: "import.json",
  };
  parseFlags(rest, o, ["--inputs", "--out", "--root-ssh-key-file", "--ssh-key-file"]);
  return o as Options;
}

/** `status <inputs.json> --ssh-key-file … [--json]`. */
function parseStatus(argv: string[]): { o: Options; json: boolean } {
  const [, inputs, ...rest] = argv;
  if (!inputs || inputs.startsWith("-")) throw new UsageError("status needs the inputs file (inputs.json)");
  const json = rest.includes("--json");
  const o: Options = { kind: "", name: "status", inputs, keys: [], out: "" };
  parseFlags(
    rest.filter((a) => a !== "--json"),
    o,
    ["--ssh-key-file"],
  );
  return { o, json };
}

function key(file: string, withPassphrase: boolean): { privateKey: string; passphrase?: string } {
  const pp = process.env["HADR_SSH_KEY_PASSPHRASE"];
  return { privateKey: fs.readFileSync(file, "utf8"), ...(withPassphrase && pp ? { passphrase: pp } : {}) };
}

/**
 * The resource's props for the read: the inputs file with the files it names read (relative to it), the
 * placeholders of the secrets reads never use, and the keys given by flags, all where `rules` say.
 */
function props(o: Options, rules: ImportRules): Record<string, unknown> {
  const raw = JSON.parse(fs.readFileSync(o.inputs, "utf8")) as Record<string, unknown>;
  const base = path.dirname(path.resolve(o.inputs));
  const read = (file: string) => fs.readFileSync(path.resolve(base, file), "utf8");
  const out = withPlaceholders(rules, withFiles(rules, raw, read));
  const defaultKey = o.keys.find((k) => k.target === undefined);
  const overrides = Object.fromEntries(
    o.keys.filter((k) => k.target !== undefined).map((k) => [k.target!, key(k.file, false)]),
  );
  const { all, perTarget, root } = rules.keyInputs;
  if (defaultKey) out[all] = key(defaultKey.file, true);
  if (Object.keys(overrides).length > 0) out[perTarget] = overrides;
  if (o.rootKey) {
    if (!root) throw new UsageError(`--root-ssh-key-file: a ${o.kind} has no root logins`);
    out[root] = key(o.rootKey, false);
  }
  return out;
}

async function importSpec(o: Options, rt: Runtime): Promise<number> {
  // Loaded here so `--help` and usage errors need no Pulumi SDK.
  const pulumi = await import("@pulumi/pulumi");
  const entry = rt.byCommand(o.kind)!;
  const { kind } = entry.engine;
  const login = props(o, kind.imports);
  const r = await readForImport(entry.engine, entry.core, login, { name: o.name, log: consoleSink(o.name) });
  if ("failures" in r) return fail(r.failures);
  const provider = shim(entry.name);
  const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  const inputs = r.inputs ?? login;
  const spec = importFile(kind, o.name, r.id, inputs, r.props, sf.text, new Date().toISOString());
  fs.writeFileSync(o.out, `${JSON.stringify(spec, null, 2)}\n`);
  console.log(
    `wrote ${o.out}: ${importType(kind)} "${o.name}" (id ${r.id}), read from the live clusters; no secret is in it.`,
  );
  console.log(`next: pulumi import --file ${o.out} --generate-code=false --yes   (Pulumi CLI >= 3.254)`);
  console.log(
    "then: declare the same resource in your program (same name, with its keys) and run `pulumi up`:",
  );
  console.log("      it stores the keys and runs nothing; keep `protect` as the import set it.");
  return 0;
}

function fail(failures: Array<{ property: string; reason: string }>): number {
  for (const f of failures) console.error(`${f.property}: ${f.reason}`);
  console.error("nothing was written");
  return 1;
}

/** `status`: reads the pair, prints it (or JSON); 1 when the inputs are not valid or the read failed. */
async function status(o: Options, json: boolean): Promise<number> {
  const { readStatus, renderStatus, STATUS_KIND } = await import("./status");
  const raw = props({ ...o, kind: STATUS_KIND.command }, STATUS_KIND.imports);
  const r = await readStatus(raw);
  if ("failures" in r) {
    for (const f of r.failures) console.error(`${f.property}: ${f.reason}`);
    return 1;
  }
  console.log(json ? JSON.stringify(r.status, null, 2) : renderStatus(r.status).join("\n"));
  return 0;
}

/** Runs the command line over `rt` (the package's engine map by default); resolves to the exit code. */
export async function main(argv: string[], rt?: Runtime): Promise<number> {
  if (argv[0] === "drill-report") return drillReportMain(argv.slice(1));
  if (argv[0] === "--version" || argv[0] === "-v") {
    console.log(packageVersion());
    return 0;
  }
  const runtime = rt ?? packageRuntime();
  if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) {
    console.log(usage(runtime));
    return argv.length === 0 ? 2 : 0;
  }
  try {
    if (argv[0] === "status") {
      const { o, json } = parseStatus(argv);
      return await status(o, json).catch((e) => {
        console.error(describeError(e));
        return 1;
      });
    }
    if (argv[0] !== "import-spec") throw new UsageError(`unknown command "${argv[0]}"`);
    const o = parseImportSpec(argv, runtime);
    return await importSpec(o, runtime).catch((e) => {
      console.error(describeError(e));
      console.error("nothing was written");
      return 1;
    });
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${e.message}\n${usage(runtime)}`);
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(describeError(e));
      process.exit(1);
    },
  );
}
