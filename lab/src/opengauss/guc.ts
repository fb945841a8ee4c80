/**
 * One instance's share of a `gs_guc set|reload|check`: edits the openGauss view of the DN
 * (postgresql.conf, pg_hba.conf) or the CM conf files, then regenerates the PostgreSQL runtime files
 * (`reload` also signals PostgreSQL). Returns the per-instance lines gs_guc prints.
 */
import * as path from "node:path";
import { LocalDn } from "./dn";
import { applyHbaLine } from "./hba";
import { cmConfPaths, readIfExists, writeFileAtomic } from "./layout";
import { getGuc, resetGuc, setGuc } from "./ogconf";

/** What the coordinator asks one instance to do. */
export interface GucRequest {
  mode: "set" | "reload" | "check";
  /** datanode | cmserver | cmagent */
  z: string;
  /** `-c` items, verbatim (`k=v` or `k`). */
  settings: string[];
  /** `-h` lines, verbatim. */
  hba: string[];
}

/** What one instance answers. */
export interface GucResult {
  ok: boolean;
  stdout: string[];
  stderr: string[];
  /** check: name → raw value (null when unset). */
  values: Record<string, string | null>;
  node: string;
}

/** Splits a `-c` item into name and (raw) value; value undefined for a reset. */
export function splitSetting(item: string): { name: string; value?: string } {
  const eq = item.indexOf("=");
  if (eq < 0) return { name: item.trim() };
  return { name: item.slice(0, eq).trim(), value: item.slice(eq + 1).trim() };
}

/** Applies a request on the local instance of kind `z`. */
export async function applyGucLocal(req: GucRequest): Promise<GucResult> {
  const dn = LocalDn.here();
  const res: GucResult = { ok: true, stdout: [], stderr: [], values: {}, node: dn.node.name };
  const cm = cmConfPaths(dn.cfg.cmDataPath);
  const confPath =
    req.z === "cmserver"
      ? cm.server
      : req.z === "cmagent"
        ? cm.agent
        : path.join(dn.dataDir, "postgresql.conf");
  let conf = readIfExists(confPath);
  if (conf === undefined) {
    res.ok = false;
    res.stderr.push(`ERROR: Failed to open or read file "${confPath}".`);
    return res;
  }
  if (req.mode === "check") {
    for (const item of req.settings) {
      const { name } = splitSetting(item);
      const v = getGuc(conf, name);
      res.values[name] = v ?? null;
      res.stderr.push(`expected guc information: ${dn.node.name}: ${name}=NULL: [${confPath}]`);
      res.stdout.push(`gs_guc check: ${dn.node.name}: ${name}=${v ?? "NULL"}: [${confPath}]`);
    }
    return res;
  }
  for (const item of req.settings) {
    const { name, value } = splitSetting(item);
    if (!/^[A-Za-z_][\w.]*$/.test(name)) {
      res.ok = false;
      res.stderr.push(`ERROR: The name of parameter "${name}" is incorrect.`);
      continue;
    }
    conf = value === undefined ? resetGuc(conf, name) : setGuc(conf, name, value);
    res.stdout.push(
      `gs_guc ${req.mode}: ${value === undefined ? `#${name}` : `${name}=${value}`}: [${confPath}]`,
    );
  }
  if (res.ok) writeFileAtomic(confPath, conf, 0o600);
  if (req.hba.length > 0) {
    const hbaPath = path.join(dn.dataDir, "pg_hba.conf");
    let hba = readIfExists(hbaPath) ?? "";
    for (const line of req.hba) {
      try {
        const r = applyHbaLine(hba, line);
        hba = r.text;
        res.stderr.push(`gs_guc sethba: ${r.echoed}: [${hbaPath}]`);
      } catch (e) {
        res.ok = false;
        res.stderr.push(`ERROR: ${(e as Error).message}`);
      }
    }
    if (res.ok) writeFileAtomic(hbaPath, hba, 0o600);
  }
  if (res.ok && req.z === "datanode") {
    if (req.mode === "reload") {
      const r = await dn.reload();
      if (!r.ok) {
        res.ok = false;
        res.stderr.push(...r.lines);
      }
    } else {
      await dn.writeRuntime(dn.role());
    }
  }
  return res;
}
