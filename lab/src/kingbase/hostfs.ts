/**
 * Placing KingbaseES files into a lab host's private tree from the machine (`<fsRoot>/home/...` is
 * `/home/...` inside the host), with ownership and mode, and the pristine store `reset` restores from:
 * `<root>/hosts/<ip>/kingbase-pristine/<path>` plus a `manifest.json` of owner and mode per path.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Owner and mode of a placed file or directory. */
export interface FileOwner {
  uid: number;
  gid: number;
  mode: number;
}

/** Where one host's private tree and pristine store are, and whether ownership can be set (root). */
export interface HostTree {
  fsRoot: string;
  pristineDir: string;
  chown: boolean;
}

/** One entry of the pristine manifest. */
interface ManifestEntry extends FileOwner {
  path: string;
}

function machinePath(tree: HostTree, hostPath: string): string {
  return path.join(tree.fsRoot, hostPath);
}

function applyOwner(tree: HostTree, file: string, owner: FileOwner): void {
  if (tree.chown) fs.chownSync(file, owner.uid, owner.gid);
  fs.chmodSync(file, owner.mode);
}

/** Creates `hostPath` (and missing parents below the fs root) with `owner`; existing dirs keep their owner. */
export function ensureDir(tree: HostTree, hostPath: string, owner: FileOwner): void {
  const parts = hostPath.split("/").filter((p) => p !== "");
  let cur = "";
  for (const part of parts) {
    cur += `/${part}`;
    const m = machinePath(tree, cur);
    if (!fs.existsSync(m)) {
      fs.mkdirSync(m);
      applyOwner(tree, m, owner);
    }
  }
}

/** Writes `content` to `hostPath` unconditionally (lab code such as scripts and wrappers). */
export function writeTool(tree: HostTree, hostPath: string, content: string, owner: FileOwner): void {
  const m = machinePath(tree, hostPath);
  const tmp = `${m}.kb-lab-tmp`;
  fs.writeFileSync(tmp, content);
  applyOwner(tree, tmp, owner);
  fs.renameSync(tmp, m);
}

function readManifest(tree: HostTree): ManifestEntry[] {
  try {
    return JSON.parse(
      fs.readFileSync(path.join(tree.pristineDir, "manifest.json"), "utf8"),
    ) as ManifestEntry[];
  } catch {
    return [];
  }
}

/**
 * A configuration file a test may change: the pristine copy is (re)recorded every time, the live file is
 * written only when missing, so `up` repairs without undoing a test's edit. Returns true when it wrote it.
 */
export function placeConfig(tree: HostTree, hostPath: string, content: string, owner: FileOwner): boolean {
  const store = path.join(tree.pristineDir, hostPath);
  fs.mkdirSync(path.dirname(store), { recursive: true, mode: 0o700 });
  fs.writeFileSync(store, content, { mode: 0o600 });
  const manifest = readManifest(tree).filter((e) => e.path !== hostPath);
  manifest.push({ path: hostPath, ...owner });
  fs.writeFileSync(path.join(tree.pristineDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const m = machinePath(tree, hostPath);
  if (fs.existsSync(m)) return false;
  fs.writeFileSync(m, content);
  applyOwner(tree, m, owner);
  return true;
}

/** Stops treating `hostPath` as a configuration file (pristine copy and manifest entry dropped; live file removed). */
export function forgetConfig(tree: HostTree, hostPath: string): void {
  const manifest = readManifest(tree);
  if (manifest.some((e) => e.path === hostPath)) {
    const kept = manifest.filter((e) => e.path !== hostPath);
    fs.writeFileSync(path.join(tree.pristineDir, "manifest.json"), `${JSON.stringify(kept, null, 2)}\n`);
  }
  fs.rmSync(path.join(tree.pristineDir, hostPath), { force: true });
  fs.rmSync(machinePath(tree, hostPath), { force: true });
}

/** Restores every recorded configuration file byte for byte, with its owner and mode. Returns the paths. */
export function restorePristine(tree: HostTree): string[] {
  const restored: string[] = [];
  for (const e of readManifest(tree)) {
    const content = fs.readFileSync(path.join(tree.pristineDir, e.path));
    const m = machinePath(tree, e.path);
    fs.mkdirSync(path.dirname(m), { recursive: true });
    const tmp = `${m}.kb-lab-tmp`;
    fs.writeFileSync(tmp, content);
    applyOwner(tree, tmp, e);
    fs.renameSync(tmp, m);
    restored.push(e.path);
  }
  return restored;
}

/** Reads a file of the host tree, or undefined when missing. */
export function readHostFile(tree: Pick<HostTree, "fsRoot">, hostPath: string): string | undefined {
  try {
    return fs.readFileSync(path.join(tree.fsRoot, hostPath), "utf8");
  } catch {
    return undefined;
  }
}

/** Removes files of the host tree (missing ones are fine). */
export function removeHostFiles(tree: Pick<HostTree, "fsRoot">, hostPaths: string[]): void {
  for (const p of hostPaths) fs.rmSync(path.join(tree.fsRoot, p), { force: true });
}
