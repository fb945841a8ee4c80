/**
 * `npm start`'s middle step, next to the root program it configures: writes the root program's `lab` stack
 * config from the lab's lab.json and makes sure the DR user exists on cluster A's primary. Run by
 * scripts/start.sh after `lab up`:
 *
 *   node dist/program/labStack.js <lab.json> [stack]     write the config, ensure the DR user
 *   node dist/program/labStack.js summary [stack]        print RPO/RTO and policy modes from the outputs
 *
 * `HADR_LAB_DR=off` leaves the DR relationship (and the DR user) out: RecoveryPolicies only. Removing it from a
 * stack that holds one means the next `up` dissolves it, as Pulumi does for any removed resource.
 *
 * The caller's environment selects the Pulumi backend and passphrase (start.sh exports them). Idempotent: a
 * value already in the stack config is left alone (so a second run changes no file and no secret is
 * re-encrypted); the DR password is generated once and then read back from the stack.
 *
 * Secrets (client key, DR password) reach the CLI only on stdin and the lab host only on gsql's stdin; they are
 * never in argv and never printed. The config it writes is typed by the root program's own config schemas
 * (`./config`: `LabConfig`), so a renamed or retyped field fails the build; the lab is used only through its
 * fixture API (`pulumi-hadr-lab`: lab.json's types, SSH to its hosts, its openGauss pairs) and knows nothing of
 * this program.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { type LabInfo, labPairs, sshExec } from "pulumi-hadr-lab";
import { ENGINES } from "../provider/engines/kingbase/schema";
import { drEngine } from "../provider/engines/opengauss/engine";
import {
  CONFIG_KEYS,
  type DrRelationshipConfigInput,
  NS,
  type RecoveryPolicyConfigInput,
  SECRET_KEYS,
} from "./config";

/**
 * Directory of the Pulumi program whose stack is written: the caller's working directory (start.sh runs from
 * the repository root). Its `node_modules/.bin/pulumi` (the pinned CLI the program's `npm ci` installs) is run.
 */
const PROGRAM_DIR = process.cwd();
/** Name of the DR relationship the lab stack declares for the pair A,B. */
export const LAB_DR_NAME = "dr";

/** Name of the lab stack's DR relationship of the `i`-th pair (0-based): `dr`, then `dr2` for C,D. */
export function labDrName(i: number): string {
  return i === 0 ? LAB_DR_NAME : `${LAB_DR_NAME}${i + 1}`;
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the program's pinned Pulumi CLI in the program directory; `input` goes to stdin. */
function pulumi(args: string[], input = ""): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        path.join(PROGRAM_DIR, "node_modules", ".bin", "pulumi"),
        ...args,
        "--non-interactive",
        "--color",
        "never",
      ],
      { cwd: PROGRAM_DIR, stdio: ["pipe", "pipe", "pipe"], env: process.env },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input);
  });
}

async function pulumiOk(args: string[], input = ""): Promise<CliResult> {
  const r = await pulumi(args, input);
  if (r.code !== 0)
    throw new Error(`pulumi ${args.join(" ")} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
  return r;
}

/** JSON with object keys sorted, to compare config values regardless of key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** A password of letters and digits (inside every gs_sdr version's allowed set), starting with a letter. */
export function generateDrPassword(length = 24): string {
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  const alphabet = `${letters}0123456789`;
  const bytes = randomBytes(length);
  let out = letters[bytes[0]! % letters.length]!;
  for (let i = 1; i < length; i++) out += alphabet[bytes[i]! % alphabet.length]!;
  return out;
}

type Cluster = LabInfo["clusters"][string];

function sshOf(c: Cluster, user: string): { user: string; port: number; hostKeys: Record<string, string> } {
  const ports = new Set(c.hosts.map((h) => h.sshPort));
  if (ports.size !== 1)
    throw new Error(`the lab's hosts of one cluster use different ssh ports: ${[...ports]}`);
  return {
    user,
    port: c.hosts[0]!.sshPort,
    hostKeys: Object.fromEntries(c.hosts.map((h) => [h.ip, h.hostKey])),
  };
}

/** Name of the DR user the lab's provisioner names for a cluster (`druser`). */
function drUserOf(lab: LabInfo, cluster: string): string {
  return (lab.clusters[cluster]?.extra?.["drUser"] as { name?: string } | undefined)?.name ?? "druser";
}

/** A `hadr:*` config key of the root program. */
const cfgKey = (k: keyof typeof CONFIG_KEYS) => `${NS}:${CONFIG_KEYS[k]}`;

/** The non-secret `hadr:*` config of the lab stack, typed by the root program's config schemas. */
export interface LabConfig {
  /** `hadr:drRelationships`, when the lab has a provisioned pair and DR is on. */
  drRelationships?: Record<string, DrRelationshipConfigInput>;
  /** `hadr:recoveryPolicies`, when the lab has a provisioned KingbaseES cluster. */
  recoveryPolicies?: Record<string, RecoveryPolicyConfigInput>;
}

/** The lab stack's config as the program reads it (see {@link labStackConfig} for the keys it is set under). */
export function labConfig(lab: LabInfo, opts: { withDr: boolean }): LabConfig {
  const out: LabConfig = {};
  const drs: Record<string, DrRelationshipConfigInput> = {};
  for (const [i, [p, q]] of labPairs(lab).entries()) {
    const a = lab.clusters[p];
    const b = lab.clusters[q];
    if (!opts.withDr || !a?.provisioned || !b?.provisioned || !a.xml || !b.xml) continue;
    drs[labDrName(i)] = {
      clusters: {
        [p]: { xml: a.xml, ssh: sshOf(a, lab.users.omm.name), envFile: a.envFile },
        [q]: { xml: b.xml, ssh: sshOf(b, lab.users.omm.name), envFile: b.envFile },
      },
      primary: p,
      drUser: { name: drUserOf(lab, p) },
    };
  }
  if (Object.keys(drs).length > 0) out.drRelationships = drs;
  const policies: Record<string, RecoveryPolicyConfigInput> = {};
  for (const name of ["kbv8r3", "kbv8r6"]) {
    const c = lab.clusters[name];
    if (!c?.provisioned) continue;
    const engine = ENGINES.find((e) => e === c.engine);
    if (!engine)
      throw new Error(`lab cluster ${name}: engine ${c.engine} is not one of ${ENGINES.join(", ")}`);
    policies[name] = {
      engine,
      // The vendor default the lab is installed with: the first `npm start` changes no file. Edit the mode in
      // Pulumi.lab.yaml (or here) and run `npm start` again to see a plan and apply it.
      mode: "standby",
      nodes: c.hosts.map((h) => ({
        host: h.ip,
        ssh: { user: lab.users.kingbase.name, port: h.sshPort, hostKeys: { [h.ip]: h.hostKey } },
        ...(engine === "kingbase-v8r3" ? { rootAccess: "sudo" as const } : {}),
      })),
    };
  }
  if (Object.keys(policies).length > 0) out.recoveryPolicies = policies;
  return out;
}

/** The non-secret `hadr:*` config of the lab stack by config key (what `pulumi config --json` calls objectValue). */
export function labStackConfig(lab: LabInfo, opts: { withDr: boolean }): Record<string, unknown> {
  const cfg = labConfig(lab, opts);
  return Object.fromEntries(
    (Object.keys(CONFIG_KEYS) as Array<keyof typeof CONFIG_KEYS>)
      .filter((k) => cfg[k] !== undefined)
      .map((k) => [cfgKey(k), cfg[k]]),
  );
}

/** Runs SQL read from stdin with gsql as the cluster user on a node (nothing of `sql` is in argv). */
async function gsql(lab: LabInfo, cluster: Cluster, ip: string, sql: string): Promise<CliResult> {
  const node = cluster.nodes.find((n) => n.host === ip);
  const port = Number(node?.["haPort"] ?? lab.portBase + 1);
  return sshExec(
    lab,
    ip,
    cluster.user,
    `source ${cluster.envFile}; gsql -d postgres -p ${port} -t -A -X -q -f /dev/stdin`,
    { input: sql, timeoutMs: 60_000 },
  );
}

/**
 * Makes sure the DR user exists WITH REPLICATION on the first primary DN found in `clusters` (default A, then
 * B: one DR pair), with `password`.
 * The user is created when missing; when it exists and `syncPassword` is set (no DR established by the stack
 * yet), its password is set to the stack's, so a lab test that changed it cannot break the next `npm start`.
 */
export async function ensureDrUser(
  lab: LabInfo,
  name: string,
  password: string,
  syncPassword: boolean,
  clusters: readonly string[] = ["A", "B"],
): Promise<string> {
  const redact = (s: string) => s.split(password).join("******");
  for (const cname of clusters) {
    const c = lab.clusters[cname];
    if (!c?.provisioned) continue;
    for (const h of c.hosts) {
      const r = await gsql(lab, c, h.ip, "select pg_is_in_recovery();\n");
      if (r.code !== 0 || r.stdout.trim() !== "f") continue;
      const exists = await gsql(lab, c, h.ip, `select count(*) from pg_user where usename = '${name}';\n`);
      if (exists.code !== 0) throw new Error(`gsql on ${h.ip} failed: ${exists.stderr}`);
      const missing = exists.stdout.trim() === "0";
      if (!missing && !syncPassword) return `DR user ${name} exists on ${cname} (${h.ip}); left as is`;
      const verb = missing ? "CREATE" : "ALTER";
      const w = await gsql(lab, c, h.ip, `${verb} USER ${name} WITH REPLICATION PASSWORD '${password}';\n`);
      if (w.code !== 0)
        throw new Error(`${verb} USER ${name} on ${h.ip} failed: ${redact(w.stderr + w.stdout)}`);
      return missing
        ? `DR user ${name} created on ${cname}'s primary (${h.ip})`
        : `DR user ${name} exists on ${cname}'s primary (${h.ip}); password set to the stack's`;
    }
  }
  throw new Error(
    `no primary DN found in cluster ${clusters.join(" or ")} of the lab (is the lab up? \`npm run lab -- status\`)`,
  );
}

/** Current config of the stack (`pulumi config --json --show-secrets`), by key. */
async function currentConfig(
  stack: string,
): Promise<Record<string, { value?: string; objectValue?: unknown }>> {
  return JSON.parse((await pulumiOk(["config", "--json", "--show-secrets", "--stack", stack])).stdout);
}

async function stackHasDr(stack: string): Promise<boolean> {
  const r = await pulumiOk(["stack", "export", "--stack", stack]);
  const resources = (JSON.parse(r.stdout).deployment?.resources ?? []) as Array<{ type?: string }>;
  // The dynamic resource's type token (`pulumi-nodejs:dynamic/hadr:<type>`), the type from the engine itself.
  return resources.some((x) => x.type?.endsWith(`/hadr:${drEngine.kind.type}`));
}

/** Creates/selects the stack and writes its config; returns progress lines. */
export async function writeLabStack(lab: LabInfo, stack: string): Promise<string[]> {
  const log: string[] = [];
  await pulumiOk(["stack", "select", "--create", stack]);
  const current = await currentConfig(stack);

  const setSecret = async (key: string, value: string) => {
    if (current[key]?.value === value) return;
    await pulumiOk(["config", "set", "--secret", "--raw", "--stack", stack, key], value);
    log.push(`set ${key} (secret)`);
  };
  await setSecret(`${NS}:${SECRET_KEYS.sshPrivateKey}`, fs.readFileSync(lab.clientKeyPath, "utf8"));

  const withDr = process.env["HADR_LAB_DR"] !== "off";
  const wanted = labStackConfig(lab, { withDr });
  if (!withDr) log.push("HADR_LAB_DR=off: the lab stack declares the RecoveryPolicies only");
  const changed: Record<string, { value: string; objectValue: unknown; secret: false }> = {};
  for (const [key, v] of Object.entries(wanted)) {
    if (canonical(current[key]?.objectValue) !== canonical(v)) {
      changed[key] = { value: JSON.stringify(v), objectValue: v, secret: false };
    }
  }
  for (const key of (Object.keys(CONFIG_KEYS) as Array<keyof typeof CONFIG_KEYS>).map(cfgKey)) {
    if (current[key] !== undefined && wanted[key] === undefined) {
      await pulumiOk(["config", "rm", "--stack", stack, key]);
      log.push(`removed ${key}`);
    }
  }
  if (Object.keys(changed).length > 0) {
    // Plain (non-secret) values only: XML, host-key fingerprints, ports, modes.
    await pulumiOk(["config", "set-all", "--stack", stack, "--json", JSON.stringify(changed)]);
    log.push(`set ${Object.keys(changed).join(", ")}`);
  }

  const drPairs = labPairs(lab).filter(([p]) => lab.clusters[p]?.provisioned);
  if (withDr && drPairs.length > 0) {
    const drPasswordKey = `${NS}:${SECRET_KEYS.drPassword}`;
    let password = current[drPasswordKey]?.value;
    if (!password) {
      password = generateDrPassword();
      await setSecret(drPasswordKey, password);
    }
    const sync = !(await stackHasDr(stack));
    for (const pair of drPairs) {
      log.push(await ensureDrUser(lab, drUserOf(lab, pair[0]), password, sync, pair));
    }
  }
  if (log.length === 0 || log.every((l) => /^(DR user|DrRelationship|HADR_LAB_DR)/.test(l))) {
    log.push(`stack ${stack}: config unchanged`);
  }
  return log;
}

/** One line per DR relationship (primary, RPO, RTO, hadr_cluster_stat) and per recovery policy, from the outputs. */
export function summarize(outputs: Record<string, unknown>): string[] {
  const lines: string[] = [];
  const drs = (outputs["drRelationships"] ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, o] of Object.entries(drs)) {
    const stat = Object.entries((o["hadrClusterStat"] ?? {}) as Record<string, string>)
      .map(([c, s]) => `${c}=${s}`)
      .join(" ");
    const sec = (v: unknown) => (typeof v === "number" ? `${v} s` : "n/a");
    lines.push(
      `DrRelationship ${name}: primary ${o["primary"]}, RPO ${sec(o["rpoSeconds"])}, RTO ${sec(o["rtoSeconds"])}, hadr_cluster_stat ${stat}`,
    );
  }
  const policies = (outputs["recoveryPolicies"] ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, o] of Object.entries(policies)) {
    const eff = Object.entries((o["effective"] ?? {}) as Record<string, string>)
      .map(([h, m]) => `${h}=${m}`)
      .join(" ");
    const drift = (o["drift"] as string[] | undefined)?.length
      ? `, drift: ${(o["drift"] as string[]).join("; ")}`
      : "";
    const pending = o["pendingRestart"] === true ? ", pending restart" : "";
    lines.push(`RecoveryPolicy ${name}: ${eff}${pending}${drift}`);
  }
  return lines;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === "summary") {
    const stack = argv[1] ?? "lab";
    const outputs = JSON.parse((await pulumiOk(["stack", "output", "--json", "--stack", stack])).stdout);
    for (const line of summarize(outputs)) process.stdout.write(`${line}\n`);
    return 0;
  }
  const [labJson, stack = "lab"] = argv;
  if (!labJson) {
    process.stderr.write("usage: node dist/program/labStack.js <lab.json> [stack] | summary [stack]\n");
    return 2;
  }
  const lab = JSON.parse(fs.readFileSync(labJson, "utf8")) as LabInfo;
  for (const line of await writeLabStack(lab, stack)) process.stderr.write(`labStack: ${line}\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`labStack: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
