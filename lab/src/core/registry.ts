/**
 * Machine-wide registry of running labs. Users, their group, the sudoers drop-in and /run/sshd are shared
 * by every lab on the machine (two labs with different HADR_LAB_ROOT/HADR_LAB_NET may coexist), so `down`
 * removes them only when it takes the last registered lab away.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** Registry directory (tmpfs: a reboot, which also ends every lab process, clears it). */
const REGISTRY_DIR = "/run/pulumi-hadr-lab";
const RUN_SSHD_MARKER = path.join(REGISTRY_DIR, "created-run-sshd");

function entry(root: string): string {
  return path.join(REGISTRY_DIR, `lab-${createHash("sha256").update(root).digest("hex").slice(0, 16)}`);
}

/** Records that a lab lives at `root`. */
export function registerLab(root: string): void {
  fs.mkdirSync(REGISTRY_DIR, { recursive: true, mode: 0o755 });
  fs.writeFileSync(entry(root), `${root}\n`);
}

/** Forgets `root`; returns the roots of the other labs that still exist on disk (stale entries are dropped). */
export function unregisterLab(root: string): string[] {
  fs.rmSync(entry(root), { force: true });
  return otherLabs(root);
}

/** Roots of the registered labs other than `root` whose state still exists. */
function otherLabs(root: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(REGISTRY_DIR).filter((n) => n.startsWith("lab-"));
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    const p = path.join(REGISTRY_DIR, n);
    const other = fs.readFileSync(p, "utf8").trim();
    if (other === root) continue;
    if (fs.existsSync(path.join(other, "state.json"))) out.push(other);
    else fs.rmSync(p, { force: true });
  }
  return out;
}

/** Creates /run/sshd (sshd's privilege separation directory) when missing, remembering that the lab made it. */
export function ensureRunSshd(): void {
  if (fs.existsSync("/run/sshd")) return;
  fs.mkdirSync("/run/sshd", { mode: 0o755 });
  fs.mkdirSync(REGISTRY_DIR, { recursive: true, mode: 0o755 });
  fs.writeFileSync(RUN_SSHD_MARKER, "");
}

/** Removes the registry, and /run/sshd if the lab created it; only call when no lab is left. */
export function removeRegistry(): void {
  if (fs.existsSync(RUN_SSHD_MARKER)) {
    try {
      fs.rmdirSync("/run/sshd");
    } catch {
      /* not empty or in use by the system sshd: leave it */
    }
  }
  fs.rmSync(REGISTRY_DIR, { recursive: true, force: true });
}
