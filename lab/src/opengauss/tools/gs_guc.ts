/**
 * Emulated `gs_guc`: `set|reload|check -Z datanode|cmserver|cmagent (-N all -I all | -D <dir>)
 * -c "k=v"|"k" … -h "<hba line>" …` and `generate -S … -o <prefix> -D <dir>` (key files).
 * Per-instance work runs through the node agent (SSH for peers); the summary lines follow docs/vendor/opengauss-gs_sdr.md §5.4.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { applyGucLocal, type GucRequest, type GucResult, splitSetting } from "../guc";
import { localNode, readStaticConfig } from "../layout";
import { agentOp, isLocalNode } from "../remote";
import { err, out, runTool } from "../toolmain";

interface Args {
  mode: string;
  z: string;
  n?: string;
  i?: string;
  d?: string;
  c: string[];
  h: string[];
  s?: string;
  o?: string;
}

function parse(argv: string[]): Args {
  const a: Args = { mode: argv[0] ?? "", z: "datanode", c: [], h: [] };
  for (let i = 1; i < argv.length; i++) {
    const k = argv[i]!;
    const v = (): string => argv[++i] ?? "";
    if (k === "-Z") a.z = v();
    else if (k === "-N") a.n = v();
    else if (k === "-I") a.i = v();
    else if (k === "-D") a.d = v();
    else if (k === "-c") a.c.push(v());
    else if (k === "-h") a.h.push(v());
    else if (k === "-S") a.s = v();
    else if (k === "-o") a.o = v();
    else if (k.startsWith("-c")) a.c.push(k.slice(2));
  }
  return a;
}

function generate(a: Args): number {
  if (!a.d || !a.o) {
    err("ERROR: -o and -D are required for generate.");
    return 1;
  }
  fs.mkdirSync(a.d, { recursive: true });
  fs.writeFileSync(path.join(a.d, `${a.o}.key.cipher`), randomBytes(80), { mode: 0o600 });
  fs.writeFileSync(path.join(a.d, `${a.o}.key.rand`), randomBytes(48), { mode: 0o600 });
  out(`gs_guc generate: key files ${a.o}.key.cipher and ${a.o}.key.rand in ${a.d}`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const a = parse(argv);
  if (a.mode === "generate") return generate(a);
  if (!["set", "reload", "check"].includes(a.mode)) {
    err(`gs_guc: invalid command "${a.mode}"`, "Try 'gs_guc --help' for more information.");
    return 1;
  }
  if (!["datanode", "cmserver", "cmagent", "coordinator"].includes(a.z)) {
    err(`ERROR: -Z parameter "${a.z}" is incorrect.`);
    return 1;
  }
  if (a.z === "coordinator") {
    // a centralized cluster has no CN: gs_guc reports nothing to do
    out("", "Total instances: 0. Failed instances: 0.", "Success to perform gs_guc!");
    return 0;
  }
  if (a.c.length === 0 && a.h.length === 0) {
    err("ERROR: -c or -h parameter is required.");
    return 1;
  }
  if (a.mode === "check" && a.h.length > 0) {
    err("ERROR: -h is not supported by check.");
    return 1;
  }
  const cfg = readStaticConfig();
  const all = a.n === "all";
  if (!all && a.d === undefined) {
    err("ERROR: -D or -N all -I all is required.");
    return 1;
  }
  if (!all && a.z === "datanode" && path.resolve(a.d!) !== path.resolve(localNode(cfg).dataDir)) {
    err(`ERROR: Failed to open or read file "${path.join(a.d!, "postgresql.conf")}".`);
    out("", "Total instances: 1. Failed instances: 1.", "Failure to perform gs_guc!");
    return 1;
  }
  const req: GucRequest = { mode: a.mode as GucRequest["mode"], z: a.z, settings: a.c, hba: a.h };
  const nodes = all ? cfg.nodes : [localNode(cfg)];
  const results: GucResult[] = await Promise.all(
    nodes.map(async (n) => {
      if (isLocalNode(cfg, n)) return applyGucLocal(req);
      try {
        return (await agentOp(cfg, n, { op: "guc", req }, 120_000)) as GucResult;
      } catch (e) {
        return {
          ok: false,
          stdout: [],
          stderr: [`ERROR: ${(e as Error).message}`],
          values: {},
          node: n.name,
        };
      }
    }),
  );
  const failed = results.filter((r) => !r.ok).length;
  if (all) {
    out(
      `Begin to perform the total nodes: ${nodes.length}.`,
      `Popen count is ${nodes.length}, Popen success count is ${nodes.length - failed}, Popen failure count is ${failed}.`,
      `Begin to perform gs_guc for ${a.z === "datanode" ? "datanodes" : a.z === "cmserver" ? "cm_server" : "cm_agent"}.`,
      `Command count is ${nodes.length}, Command success count is ${nodes.length - failed}, Command failure count is ${failed}.`,
    );
  }
  for (const r of results) {
    err(...r.stderr);
    out(...r.stdout);
  }
  if (a.mode === "check") {
    out("", `Total GUC values: ${results.length * a.c.length}. Failed GUC values: ${failed * a.c.length}.`);
    for (const item of a.c) {
      const { name } = splitSetting(item);
      const vals = results.filter((r) => r.ok).map((r) => r.values[name] ?? null);
      const shown = (v: string | null): string => `${name}=${v ?? "NULL"}`;
      if (vals.length > 0 && vals.every((v) => v === vals[0])) {
        out(`The value of parameter ${name} is same on all instances.`, `    ${shown(vals[0]!)}`);
      } else {
        out(`The value of parameter ${name} is not same on all instances.`);
        for (const r of results.filter((x) => x.ok)) out(`    ${r.node}: ${shown(r.values[name] ?? null)}`);
      }
    }
    out("");
    return failed === 0 ? 0 : 1;
  }
  out("", `Total instances: ${results.length}. Failed instances: ${failed}.`);
  if (failed === 0) out(all ? "ALL: Success to perform gs_guc!" : "Success to perform gs_guc!", "");
  else out(all ? "ALL: Failure to perform gs_guc!" : "Failure to perform gs_guc!", "");
  return failed === 0 ? 0 : 1;
}

runTool("gs_guc", main);
