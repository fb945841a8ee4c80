/**
 * Lab OS users: `omm` and `kingbase` created machine-wide (as root), the shared `hadrlab` group that lets
 * both read the cluster trust key, and the sudoers drop-in that gives `kingbase` `sudo -n`.
 * Without root, the current user stands in for both.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { LabUser } from "../types";
import { mustRun, runCommand } from "./proc";

/** Group shared by the lab users (readers of the cluster trust key). */
export const LAB_GROUP = "hadrlab";
/** The sudoers drop-in the lab installs. */
export const SUDOERS_FILE = "/etc/sudoers.d/pulumi-hadr-lab";
/** Names of the lab users. */
export const LAB_USER_NAMES = ["omm", "kingbase"] as const;

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

function readPasswd(): PasswdEntry[] {
  return fs
    .readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => l.split(":"))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]! }));
}

/** The passwd entry of `name`, if the user exists. */
export function lookupUser(name: string): PasswdEntry | undefined {
  return readPasswd().find((e) => e.name === name);
}

/** True when the group exists. */
export function groupExists(name: string): boolean {
  return fs
    .readFileSync("/etc/group", "utf8")
    .split("\n")
    .some((l) => l.split(":")[0] === name);
}

/** Gid of a group (throws when missing). */
export function groupId(name: string): number {
  const line = fs
    .readFileSync("/etc/group", "utf8")
    .split("\n")
    .find((l) => l.split(":")[0] === name);
  if (!line) throw new Error(`group ${name} does not exist`);
  return Number(line.split(":")[2]);
}

/**
 * Creates the lab group and users when missing (root only) and returns them.
 * `useradd -M -d /home/<u> -s /bin/bash -p '*'`: no home on the machine (each host has its own), and a
 * non-locked but unusable password so that sshd (UsePAM no) accepts key logins.
 */
export async function ensureUsers(): Promise<{ omm: LabUser; kingbase: LabUser }> {
  if (!groupExists(LAB_GROUP)) {
    const r = await runCommand("groupadd", ["--system", LAB_GROUP]);
    // Another lab's `up` may have created it meanwhile.
    if (r.code !== 0 && !groupExists(LAB_GROUP)) throw new Error(`groupadd ${LAB_GROUP}: ${r.stderr.trim()}`);
  }
  const out: Record<string, LabUser> = {};
  for (const name of LAB_USER_NAMES) {
    let e = lookupUser(name);
    if (!e) {
      const r = await runCommand("useradd", [
        "-M",
        "-d",
        `/home/${name}`,
        "-s",
        "/bin/bash",
        "-p",
        "*",
        "-G",
        LAB_GROUP,
        name,
      ]);
      e = lookupUser(name);
      // A concurrent `up` of another lab may have won the race: fine as long as the user exists now.
      if (!e) throw new Error(`useradd ${name} failed: ${r.stderr.trim()}`);
    } else {
      const groups = await mustRun("id", ["-nG", name]);
      if (!groups.split(/\s+/).includes(LAB_GROUP)) await mustRun("usermod", ["-a", "-G", LAB_GROUP, name]);
      const shadow = await runCommand("getent", ["shadow", name]);
      if (shadow.stdout.split(":")[1]?.startsWith("!")) {
        // sshd with UsePAM no refuses locked accounts; '*' keeps password login impossible.
        await mustRun("usermod", ["-p", "*", name]);
      }
    }
    out[name] = { name, uid: e.uid, gid: e.gid, home: `/home/${name}` };
  }
  return { omm: out["omm"]!, kingbase: out["kingbase"]! };
}

/** The current user standing in for both lab users (unprivileged lab). */
export function currentUserAsLabUsers(): { omm: LabUser; kingbase: LabUser } {
  const info = os.userInfo();
  const u: LabUser = { name: info.username, uid: info.uid, gid: info.gid, home: info.homedir };
  return { omm: u, kingbase: { ...u } };
}

/** Installs the sudoers drop-in (validated with `visudo -cf` before it goes live). */
export async function ensureSudoers(): Promise<void> {
  const content =
    "# pulumi-hadr lab: KingbaseES reaches root-owned files with sudo -n\nkingbase ALL=(root) NOPASSWD: ALL\n";
  try {
    if (fs.readFileSync(SUDOERS_FILE, "utf8") === content) return;
  } catch {
    /* missing */
  }
  const tmp = path.join(path.dirname(SUDOERS_FILE), `.pulumi-hadr-lab.${process.pid}`);
  fs.writeFileSync(tmp, content, { mode: 0o440 });
  try {
    await mustRun("visudo", ["-cf", tmp]);
    fs.renameSync(tmp, SUDOERS_FILE);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Removes the lab users, their group and the sudoers drop-in. Refuses (with the reason) when a process of
 * a lab user is still running, since userdel would fail half-way.
 */
export async function removeUsers(): Promise<string[]> {
  const notes: string[] = [];
  fs.rmSync(SUDOERS_FILE, { force: true });
  for (const name of LAB_USER_NAMES) {
    if (!lookupUser(name)) continue;
    const r = await runCommand("userdel", [name]);
    if (r.code !== 0) notes.push(`userdel ${name}: ${r.stderr.trim()}`);
  }
  if (groupExists(LAB_GROUP)) {
    const r = await runCommand("groupdel", [LAB_GROUP]);
    if (r.code !== 0) notes.push(`groupdel ${LAB_GROUP}: ${r.stderr.trim()}`);
  }
  return notes;
}
