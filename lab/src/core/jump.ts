/**
 * The jump host (bastion) and the firewall that makes it the only way into one cluster.
 *
 * `lab jump on <cluster>` starts one more lab host, `jump1` at `127.<net>.9.1` (its own sshd, host key and
 * mount namespace; login `omm` with the lab's client key; TCP forwarding allowed, as on a bastion), and puts a
 * firewall in front of the cluster's sshd: an nftables table of its own (`inet hadr_lab_jump_<net>`, so other
 * labs' rules are never touched) whose output-hook rule rejects every TCP connection to the cluster's ssh
 * addresses and port from any process that is not a lab host's (socket owner not one of the lab users `omm` /
 * `kingbase`) with ICMP admin-prohibited — what a REJECT rule of a real firewall sends: the client's connect
 * fails at once with EHOSTUNREACH ("No route to host"). The jump host's sshd opens its forwarded connections as
 * the logged-in user (`omm`), so they pass; the cluster's own tools (gs_sdr hopping between hosts as `omm`)
 * pass too; the test process, the Pulumi CLI and the provider (root) are refused. Loopback addresses have no
 * source address to filter on (every connect to 127.x leaves from 127.0.0.1), hence the socket owner.
 *
 * `lab jump off` (and `reset`, `down`) deletes the table and removes the jump host. Needs root and nftables's
 * `nft` (installed on demand as root). The state is `<root>/jump.json`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { LabHost } from "../types";
import { hostDir } from "./addresses";
import { mustRun, runCommand } from "./proc";

/** Third address octet of the jump host. */
const JUMP_THIRD = 9;

/** What `lab jump on` set up (also what the fixture returns). */
export interface JumpInfo {
  /** Address of the jump host. */
  ip: string;
  /** Host name (`jump1`). */
  name: string;
  sshPort: number;
  /** Login user on the jump host. */
  user: string;
  /** `SHA256:…` fingerprint of its host key. */
  hostKey: string;
  /** The cluster only the jump host reaches. */
  behind: string;
  /** The cluster's ssh addresses the firewall guards. */
  guarded: string[];
  /** The nftables table (family inet) holding the rule. */
  table: string;
}

/** The jump host of a lab (not part of any cluster). */
export function jumpHost(root: string, net: number, sshPort: number): LabHost {
  const ip = `127.${net}.${JUMP_THIRD}.1`;
  return {
    ip,
    name: "jump1",
    cluster: "jump",
    index: 1,
    sshPort,
    fsRoot: path.join(hostDir(root, ip), "fs"),
    hostKeyFingerprint: "",
  };
}

/** Path of the jump record of a lab. */
function jumpFile(root: string): string {
  return path.join(root, "jump.json");
}

/** The jump host set up in this lab, if any. */
export function readJump(root: string): JumpInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(jumpFile(root), "utf8")) as JumpInfo;
  } catch {
    return undefined;
  }
}

/** Records (or, with undefined, forgets) the jump host. */
export function writeJump(root: string, info: JumpInfo | undefined): void {
  const f = jumpFile(root);
  if (!info) {
    fs.rmSync(f, { force: true });
    return;
  }
  fs.writeFileSync(f, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o644 });
}

/** The nftables table name of a lab net. */
export function firewallTable(net: number): string {
  return `hadr_lab_jump_${net}`;
}

/**
 * The nft script of the firewall: recreated whole (add, delete, define) so applying it twice is harmless.
 * Pure (tested in the self-tests).
 */
export function firewallScript(
  table: string,
  guarded: string[],
  port: number,
  allowedUids: number[],
): string {
  return [
    `add table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    "  chain out {",
    "    type filter hook output priority 0; policy accept;",
    `    ip daddr { ${guarded.join(", ")} } tcp dport ${port} meta skuid != { ${allowedUids.join(", ")} } reject with icmpx type admin-prohibited`,
    "  }",
    "}",
    "",
  ].join("\n");
}

const NFT_CANDIDATES = ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"];

/** The `nft` binary, if installed. */
function nftBinary(): string | undefined {
  return NFT_CANDIDATES.find((p) => fs.existsSync(p));
}

/** Applies the firewall script. */
export async function firewallOn(script: string): Promise<void> {
  const nft = nftBinary();
  if (!nft) throw new Error("the jump host's firewall needs nftables's nft (apt-get install nftables)");
  await mustRun(nft, ["-f", "-"], { input: script, timeoutMs: 10_000 });
}

/** Deletes the lab's firewall table; true when there was one. */
export async function firewallOff(table: string): Promise<boolean> {
  const nft = nftBinary();
  if (!nft || process.getuid?.() !== 0) return false;
  const r = await runCommand(nft, ["delete", "table", "inet", table], { timeoutMs: 10_000 });
  if (r.code === 0) return true;
  if (/No such file|does not exist/i.test(r.stderr)) return false;
  throw new Error(`nft delete table inet ${table}: ${r.stderr.trim()}`);
}
