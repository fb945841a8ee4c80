/**
 * Lab state on disk: `<root>/state.json` (how the lab was brought up, what each provisioner returned) and
 * `<root>/lab.json` (type LabInfo, what stacks and tests read), plus the lock that serialises CLI runs on
 * one root.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { LabClusterOutput, LabClusterSpec, LabInfo, LabUser } from "../types";
import { DEFAULT_PAIRS } from "./addresses";
import { pidAlive, sleep } from "./proc";

/** What the core remembers between CLI runs. */
export interface LabState {
  version: 1;
  root: string;
  net: number;
  nodes: number;
  /** openGauss DR pairs (`--pairs`; absent in state files written before it existed: 1). */
  pairs: number;
  portBase: number;
  asRoot: boolean;
  sshPort: number;
  users: { omm: LabUser; kingbase: LabUser };
  /** Provisioner output per cluster name, for clusters whose provisioner's `up` succeeded. */
  outputs: Record<string, LabClusterOutput>;
}

/** Path of state.json. */
function statePath(root: string): string {
  return path.join(root, "state.json");
}

/** Path of lab.json. */
function labJsonPath(root: string): string {
  return path.join(root, "lab.json");
}

/** Reads state.json, or undefined when the lab has never been brought up at `root`. */
export function readState(root: string): LabState | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(statePath(root), "utf8")) as LabState;
    return s.version === 1 ? { ...s, pairs: s.pairs ?? DEFAULT_PAIRS } : undefined;
  } catch {
    return undefined;
  }
}

function writeJson(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o644 });
  fs.renameSync(tmp, file);
}

/** Writes state.json atomically. */
export function writeState(s: LabState): void {
  writeJson(statePath(s.root), s);
}

/** Builds the LabInfo of a lab from its state and its clusters (with fingerprints filled in). */
export function buildLabInfo(
  s: LabState,
  clusters: LabClusterSpec[],
  paths: { clientKeyPath: string; clusterKeyPath: string; knownHostsPath: string; toolsDir: string },
): LabInfo {
  const out: LabInfo["clusters"] = {};
  for (const c of clusters) {
    const given = s.outputs[c.name];
    const base: LabClusterOutput = given ?? {
      user: c.engine === "opengauss" ? s.users.omm.name : s.users.kingbase.name,
      envFile: "",
      nodes: [],
    };
    out[c.name] = {
      ...base,
      engine: c.engine,
      provisioned: given !== undefined,
      hosts: c.hosts.map((h) => ({
        ip: h.ip,
        ...(h.streamIp ? { streamIp: h.streamIp } : {}),
        name: h.name,
        sshPort: h.sshPort,
        hostKey: h.hostKeyFingerprint,
      })),
    };
  }
  return {
    root: s.root,
    net: s.net,
    nodes: s.nodes,
    pairs: s.pairs,
    portBase: s.portBase,
    asRoot: s.asRoot,
    users: s.users,
    ...paths,
    clusters: out,
  };
}

/** Writes lab.json atomically (mode 0644: it holds paths and fingerprints, no secrets). */
export function writeLabInfo(info: LabInfo): string {
  const file = labJsonPath(info.root);
  writeJson(file, info);
  return file;
}

/**
 * Takes `<root>.lock` (next to the root, so `down` can remove the root while holding it): an exclusive
 * file holding the owner's pid; a lock whose owner is gone is taken over. Waits up to `timeoutMs`.
 * Returns the release function.
 */
export async function acquireLock(root: string, timeoutMs = 600_000): Promise<() => void> {
  const file = `${root}.lock`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: "wx", mode: 0o644 });
      return () => {
        try {
          if (fs.readFileSync(file, "utf8").trim() === String(process.pid)) fs.rmSync(file, { force: true });
        } catch {
          /* gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    let owner = 0;
    try {
      owner = Number(fs.readFileSync(file, "utf8").trim());
    } catch {
      continue;
    }
    if (!owner || !pidAlive(owner)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`lab at ${root} is busy (lock ${file} held by pid ${owner})`);
    if (!announced) {
      process.stderr.write(`[lab] waiting for pid ${owner} (lock ${file})\n`);
      announced = true;
    }
    await sleep(200);
  }
}
