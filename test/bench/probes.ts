/**
 * What `npm run bench` watches from outside while an operation runs: SSH connections and commands (the lab
 * hosts' sshd logs, LogLevel VERBOSE), the provider process's peak RSS (/proc), a writer that keeps
 * committing rows through the `pg` package to whichever node is primary, and the timing of the lines the
 * Pulumi CLI prints.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import { performance } from "node:perf_hooks";
import { Client } from "pg";
import type { LabInfo } from "pulumi-hadr-lab";
import { fingerprintOfBlob, sshdPaths } from "pulumi-hadr-lab";
import { utils } from "ssh2";
import type { SshCounts } from "./measure";

/**
 * Counts SSH logins and sessions on every lab host between {@link mark} and {@link count}, from the sshd
 * logs: `Accepted publickey … port P ssh2: ED25519 <fingerprint>` then `Starting session: command … port P`.
 * Logins with the client key are the stack's (or the operator's); the others are the vendor tools hopping
 * between hosts with the cluster key.
 */
export class SshLogCounter {
  private readonly offsets = new Map<string, number>();

  private constructor(
    private readonly logs: string[],
    private readonly clientFingerprint: string,
  ) {}

  /** A counter over every host of the lab. */
  static forLab(lab: LabInfo): SshLogCounter {
    const logs = Object.values(lab.clusters).flatMap((c) =>
      c.hosts.map((h) => sshdPaths(lab.root, h.ip).log),
    );
    const parsed = utils.parseKey(fs.readFileSync(lab.clientKeyPath));
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!key || key instanceof Error) throw new Error(`cannot read the client key ${lab.clientKeyPath}`);
    return new SshLogCounter(logs, fingerprintOfBlob(key.getPublicSSH()));
  }

  /** Remembers where every log ends now. */
  mark(): void {
    for (const l of this.logs) this.offsets.set(l, this.size(l));
  }

  /** Connections and sessions logged since {@link mark}. */
  count(): SshCounts {
    const c: SshCounts = { conns: 0, cmds: 0, toolConns: 0, toolCmds: 0 };
    for (const l of this.logs) {
      const from = this.offsets.get(l) ?? 0;
      const to = this.size(l);
      if (to <= from) continue;
      const buf = Buffer.alloc(to - from);
      const fd = fs.openSync(l, "r");
      try {
        fs.readSync(fd, buf, 0, buf.length, from);
      } finally {
        fs.closeSync(fd);
      }
      const client = new Set<string>();
      for (const line of buf.toString("utf8").split("\n")) {
        const a = / from (\S+) port (\d+) ssh2: \S+ (SHA256:\S+)/.exec(line);
        if (a && line.includes("Accepted publickey")) {
          if (a[3] === this.clientFingerprint) {
            client.add(`${a[1]}:${a[2]}`);
            c.conns += 1;
          } else c.toolConns += 1;
          continue;
        }
        const s = /Starting session: .* from (\S+) port (\d+) id \d+/.exec(line);
        if (s) {
          if (client.has(`${s[1]}:${s[2]}`)) c.cmds += 1;
          else c.toolCmds += 1;
        }
      }
    }
    return c;
  }

  private size(l: string): number {
    try {
      return fs.statSync(l).size;
    } catch {
      return 0;
    }
  }
}

/**
 * Samples the peak RSS (VmHWM) of the dynamic-provider processes of one Pulumi world (found by their
 * command line and their PULUMI_HOME) every `intervalMs`; VmHWM is the process's own high-water mark, so
 * the last sample before it exits is its peak.
 */
export class RssSampler {
  private readonly seen = new Map<number, boolean>();
  private peakKiB = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pulumiHome: string,
    private readonly intervalMs = 200,
  ) {}

  /** Starts sampling. */
  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  /** Stops sampling; the peak RSS seen, in MiB (NaN when no provider process was seen). */
  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    return this.peakKiB > 0 ? this.peakKiB / 1024 : Number.NaN;
  }

  private sample(): void {
    let pids: string[];
    try {
      pids = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p));
    } catch {
      return;
    }
    for (const p of pids) {
      const pid = Number(p);
      let ours = this.seen.get(pid);
      try {
        if (ours === undefined) {
          const cmd = fs.readFileSync(`/proc/${p}/cmdline`, "utf8");
          ours =
            cmd.includes("dynamic-provider") &&
            fs
              .readFileSync(`/proc/${p}/environ`, "utf8")
              .split("\0")
              .includes(`PULUMI_HOME=${this.pulumiHome}`);
          this.seen.set(pid, ours);
        }
        if (!ours) continue;
        const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"))?.[1];
        if (hwm) this.peakKiB = Math.max(this.peakKiB, Number(hwm));
      } catch {
        // the process is gone
      }
    }
  }
}

/** What a {@link Writer} saw. */
export interface WriterReport {
  /** Rows whose INSERT returned (committed), by sequence number. */
  acked: number[];
  /** Longest gap between two consecutive commits around the operation, seconds. */
  outageSeconds: number;
  /** True when no commit came after the operation before the writer gave up. */
  neverRecovered: boolean;
  /** Failed attempts (errors and timeouts). */
  failures: number;
}

/**
 * Inserts `(tag, n)` into `bench_writes` every `paceMs` through the `pg` package, against whichever of
 * `ips` accepts the write (a standby refuses it). The lab DNs trust `omm` from the node's own address, so
 * each connection's source address is bound to the node's. Every connect and query is bounded.
 */
export class Writer {
  private readonly commits: number[] = [];
  private readonly acked: number[] = [];
  private failures = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly clients = new Map<string, Client>();
  private target = 0;

  constructor(
    private readonly ips: string[],
    private readonly port: number,
    private readonly tag: string,
    private readonly paceMs = 50,
  ) {}

  /** Starts writing. */
  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Milliseconds (performance.now) of the last commit, or -Infinity. */
  lastCommit(): number {
    return this.commits.at(-1) ?? Number.NEGATIVE_INFINITY;
  }

  /**
   * Keeps writing until a commit lands after `opEnd` (bounded by `graceMs`), stops, and reports the
   * longest gap between commits that overlaps [`opStart`, `opEnd`].
   */
  async finish(opStart: number, opEnd: number, graceMs = 60_000): Promise<WriterReport> {
    const deadline = performance.now() + graceMs;
    while (this.lastCommit() <= opEnd && performance.now() < deadline) await sleep(50);
    this.running = false;
    await this.loop;
    await Promise.all([...this.clients.values()].map((c) => c.end().catch(() => undefined)));
    this.clients.clear();
    const neverRecovered = this.lastCommit() <= opEnd;
    let gap = 0;
    const c = this.commits;
    for (let i = 1; i < c.length; i++) {
      if (c[i]! >= opStart && c[i - 1]! <= opEnd) gap = Math.max(gap, c[i]! - c[i - 1]!);
    }
    if (neverRecovered) gap = Math.max(gap, performance.now() - Math.max(this.lastCommit(), opStart));
    return { acked: [...this.acked], outageSeconds: gap / 1000, neverRecovered, failures: this.failures };
  }

  private async run(): Promise<void> {
    let n = 0;
    while (this.running) {
      const t0 = performance.now();
      const ip = this.ips[this.target]!;
      try {
        const client = await this.client(ip);
        await client.query("INSERT INTO bench_writes VALUES ($1, $2)", [this.tag, n]);
        this.commits.push(performance.now());
        this.acked.push(n);
        n += 1;
      } catch {
        this.failures += 1;
        const c = this.clients.get(ip);
        this.clients.delete(ip);
        c?.end().catch(() => undefined);
        this.target = (this.target + 1) % this.ips.length;
      }
      await sleep(Math.max(0, this.paceMs - (performance.now() - t0)));
    }
  }

  private async client(ip: string): Promise<Client> {
    const have = this.clients.get(ip);
    if (have) return have;
    const c = new Client({
      host: ip,
      port: this.port,
      user: "omm",
      database: "postgres",
      connectionTimeoutMillis: 2000,
      query_timeout: 5000,
      stream: () => {
        const s = new net.Socket();
        const connect = s.connect.bind(s) as (o: net.TcpSocketConnectOpts) => net.Socket;
        (s as unknown as { connect: (port: number, host: string) => net.Socket }).connect = (port, host) =>
          connect({ port, host, localAddress: ip });
        return s;
      },
    });
    c.on("error", () => undefined);
    await c.connect();
    this.clients.set(ip, c);
    return c;
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
