/**
 * What `lab down` must not leave behind: no process of the lab's hosts (sshd, namespace holders, DNs, daemons),
 * no lab root or lock, and — unless another lab on the machine still uses them — no lab users, group or sudoers
 * drop-in. `lab down` reports every leftover and then exits non-zero.
 */
import * as fs from "node:fs";
import { hostDir } from "./addresses";
import { holderName } from "./namespace";
import { groupExists, LAB_GROUP, LAB_USER_NAMES, lookupUser, SUDOERS_FILE } from "./users";

/** Pids (other than this process) whose command line contains `text`. */
function processesMentioning(text: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, "utf8").includes(text)) out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** One line per namespace holder of `ips` still running. */
function holderLeftovers(ips: string[]): string[] {
  const out: string[] = [];
  for (const ip of ips) {
    const holders = processesMentioning(`${holderName(ip)}\0`);
    if (holders.length) out.push(`namespace holder of ${ip} still runs: ${holders.join(" ")}`);
  }
  return out;
}

/**
 * One line per trace removed hosts of a running lab left (a smaller `--nodes` or `--pairs`): processes under
 * their host directories, their namespace holders, the directories themselves.
 */
export function hostLeftovers(root: string, ips: string[]): string[] {
  const out: string[] = [];
  for (const ip of ips) {
    const pids = processesMentioning(`${hostDir(root, ip)}/`);
    if (pids.length) out.push(`processes of the removed host ${ip} still run: ${pids.join(" ")}`);
    if (fs.existsSync(hostDir(root, ip))) out.push(`${hostDir(root, ip)} still exists`);
  }
  return [...out, ...holderLeftovers(ips)];
}

/**
 * One line per trace a removed lab left: processes under `<root>/hosts/` or holding the namespace of one of
 * `ips`, the root or its lock, and (when `machineWide`: no other lab remains, running as root) the users, group
 * and sudoers file.
 */
export function labLeftovers(root: string, ips: string[], machineWide: boolean): string[] {
  const out: string[] = [];
  const pids = processesMentioning(`${root}/hosts/`);
  if (pids.length) out.push(`processes of the lab's hosts still run: ${pids.join(" ")}`);
  out.push(...holderLeftovers(ips));
  for (const p of [root, `${root}.lock`]) if (fs.existsSync(p)) out.push(`${p} still exists`);
  if (machineWide) {
    for (const u of LAB_USER_NAMES) if (lookupUser(u) !== undefined) out.push(`user ${u} still exists`);
    if (groupExists(LAB_GROUP)) out.push(`group ${LAB_GROUP} still exists`);
    if (fs.existsSync(SUDOERS_FILE)) out.push(`${SUDOERS_FILE} still exists`);
  }
  return out;
}
