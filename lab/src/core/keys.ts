/**
 * SSH keys of the lab: the client key stacks log in with, the cluster trust key the emulated tools hop
 * between hosts with, every host's ed25519 host key (generated once, kept until `down`), known_hosts and
 * the per-host authorized_keys files.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { LabHost } from "../types";
import { hostDir } from "./addresses";
import { mustRun } from "./proc";

/** Paths of the lab-wide keys. */
export interface LabKeyPaths {
  dir: string;
  client: string;
  cluster: string;
  knownHosts: string;
}

/** Where the lab-wide keys live under `root`. */
export function keyPaths(root: string): LabKeyPaths {
  const dir = path.join(root, "keys");
  return {
    dir,
    client: path.join(dir, "client_ed25519"),
    cluster: path.join(dir, "cluster_ed25519"),
    knownHosts: path.join(dir, "known_hosts"),
  };
}

/** Path of a host's private host key. */
export function hostKeyPath(root: string, ip: string): string {
  return path.join(hostDir(root, ip), "ssh", "ssh_host_ed25519_key");
}

/** Generates an unencrypted ed25519 key pair at `file` unless both halves already exist. */
export async function ensureKeyPair(file: string, comment: string): Promise<void> {
  if (fs.existsSync(file) && fs.existsSync(`${file}.pub`)) return;
  fs.rmSync(file, { force: true });
  fs.rmSync(`${file}.pub`, { force: true });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await mustRun("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
}

/** The `type base64` part of an OpenSSH public key file. */
export function readPublicKey(file: string): { type: string; blob: string } {
  const [type, blob] = fs.readFileSync(file, "utf8").trim().split(/\s+/);
  if (!type || !blob) throw new Error(`${file} is not an OpenSSH public key`);
  return { type, blob };
}

/** `SHA256:…` fingerprint of a public key blob, as `ssh-keygen -lf` prints it. */
export function fingerprintOfBlob(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** `SHA256:…` fingerprint of an OpenSSH public key file. */
export function fingerprintOfFile(pubFile: string): string {
  return fingerprintOfBlob(Buffer.from(readPublicKey(pubFile).blob, "base64"));
}

/**
 * Creates the client and cluster keys. The cluster key is root:`clusterGid` 0640 so the lab users can read
 * it (ssh only rejects group-readable keys that the invoking user owns).
 */
export async function ensureLabKeys(root: string, clusterGid: number | undefined): Promise<LabKeyPaths> {
  const k = keyPaths(root);
  fs.mkdirSync(k.dir, { recursive: true, mode: 0o755 });
  fs.chmodSync(k.dir, 0o755);
  await Promise.all([
    ensureKeyPair(k.client, "pulumi-hadr-lab-client"),
    ensureKeyPair(k.cluster, "pulumi-hadr-lab-cluster"),
  ]);
  fs.chmodSync(k.client, 0o600);
  if (clusterGid !== undefined) {
    fs.chownSync(k.cluster, 0, clusterGid);
    fs.chmodSync(k.cluster, 0o640);
  } else {
    fs.chmodSync(k.cluster, 0o600);
  }
  fs.chmodSync(`${k.client}.pub`, 0o644);
  fs.chmodSync(`${k.cluster}.pub`, 0o644);
  return k;
}

/** Creates the host key of `host` once, fills `host.hostKeyFingerprint` and returns the public key line. */
export async function ensureHostKey(root: string, host: LabHost): Promise<string> {
  const file = hostKeyPath(root, host.ip);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  await ensureKeyPair(file, `pulumi-hadr-lab-${host.name}`);
  fs.chmodSync(file, 0o600);
  host.hostKeyFingerprint = fingerprintOfFile(`${file}.pub`);
  const pub = readPublicKey(`${file}.pub`);
  return `${pub.type} ${pub.blob}`;
}

/** The known_hosts host pattern: `ip` on port 22, `[ip]:port` otherwise. */
export function knownHostsName(ip: string, port: number): string {
  return port === 22 ? ip : `[${ip}]:${port}`;
}

/** Writes known_hosts (0644) with every host's key. */
export function writeKnownHosts(file: string, entries: Array<{ host: LabHost; publicKey: string }>): void {
  const text = entries.map((e) => `${knownHostsName(e.host.ip, e.host.sshPort)} ${e.publicKey}\n`).join("");
  writeIfChanged(file, text, 0o644);
}

/**
 * Writes `<hostdir>/authorized_keys/<user>` (root-owned 0644, so users cannot add keys) for every login
 * user of the host; `users` maps a login name to the public key lines it accepts.
 */
export function writeAuthorizedKeys(root: string, ip: string, users: Record<string, string[]>): void {
  const dir = path.join(hostDir(root, ip), "authorized_keys");
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const wanted = new Set(Object.keys(users));
  for (const f of fs.readdirSync(dir)) if (!wanted.has(f)) fs.rmSync(path.join(dir, f), { force: true });
  for (const [user, keys] of Object.entries(users)) {
    writeIfChanged(path.join(dir, user), keys.map((k) => `${k}\n`).join(""), 0o644);
  }
}

/** Writes `text` to `file` only if it differs (keeps mtimes stable on repeated `up`), then sets the mode. */
export function writeIfChanged(file: string, text: string, mode: number): boolean {
  let same = false;
  try {
    same = fs.readFileSync(file, "utf8") === text;
  } catch {
    /* missing */
  }
  if (!same) {
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, text, { mode });
    fs.renameSync(tmp, file);
  }
  fs.chmodSync(file, mode);
  return !same;
}
