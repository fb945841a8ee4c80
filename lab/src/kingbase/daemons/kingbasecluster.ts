/**
 * Stand-in for V8R3's `kingbasecluster` (the pgpool-II fork in front of the databases, spec §1.1), started by
 * the `restartcluster.sh` KINGBASECRON line on each pool node: `kingbasecluster -f <lab-pool.json>`. One
 * instance per node (live pid file → exit quietly). Every check period it health-checks each backend (a TCP
 * connect to its port, then `select pg_is_in_recovery()`), detaches a backend after `retries` failed checks
 * in a row and, when that was the primary, runs the failover command (`failover_stream.sh <new> <old>`,
 * which promotes the standby over SSH); `pcp_attach_node` requests (`<run>/attach.<id>`) re-attach a backend.
 * The table (pool-state.ts) is written to `<run>/pool_status.json` and, as `show pool_nodes` prints it, to
 * `<run>/pool_nodes`. At start it copies the table of a live peer pool (the watchdog's sync), else it builds
 * one from a first round of checks. Logs to `<log>/cluster.log`. A no-op under `node --test`.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import { appendLog, isDaemonAlive, logStamp, readPidFile } from "../daemon-state";
import { childEnv, daemonArgs, detach, setVendorTitle, underTestRunner, vendorArgv0 } from "./daemonize";
import { initialBackends, type PoolBackend, type ProbeRound, poolNodesTable, poolStep } from "./pool-state";

/** The lab's pool configuration (`kingbasecluster/etc/lab-pool.json`, written by the provisioner). */
export interface LabPoolConf {
  localIp: string;
  /** Backends in node order (node_id = index) with their sshd ports. */
  nodes: Array<{ host: string; port: number; sshPort: number }>;
  sshUser: string;
  keyPath: string;
  knownHostsPath: string;
  runDir: string;
  logDir: string;
  clusterBin: string;
  pgBin: string;
  dbUser: string;
  dbName: string;
  /** Health-check period, ms. */
  checkMs: number;
  /** Failed checks in a row before a backend is detached. */
  retries: number;
  /**
   * How long one check of a live backend may take (`health_check_timeout`), ms. A down host fails at once
   * (EHOSTUNREACH), so a generous value costs nothing there; a tight one detaches a healthy backend on a
   * loaded machine, and a detached primary stays down until `pcp_attach_node`.
   */
  checkTimeoutMs: number;
}

/** Pid file, status and view files of the pool under `runDir`. */
export function poolFiles(runDir: string): { pid: string; status: string; view: string } {
  return {
    pid: `${runDir}/kingbasecluster.pid`,
    status: `${runDir}/pool_status.json`,
    view: `${runDir}/pool_nodes`,
  };
}

function run(
  file: string,
  args: string[],
  timeout: number,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout, encoding: "utf8", env: childEnv(), cwd: "/" }, (e, stdout, stderr) => {
      const code = e ? (typeof e.code === "number" ? e.code : 1) : 0;
      resolve({ code, out: stdout ?? "", err: stderr ?? "" });
    });
  });
}

function tcpOk(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

class Pool {
  private backends: PoolBackend[] = [];
  private fails: Record<number, number> = {};
  private readonly files: ReturnType<typeof poolFiles>;

  constructor(private readonly conf: LabPoolConf) {
    this.files = poolFiles(conf.runDir);
  }

  log(line: string): void {
    appendLog(`${this.conf.logDir}/cluster.log`, `${logStamp()} pid ${process.pid}: ${line}`);
  }

  private async probe(): Promise<ProbeRound> {
    const c = this.conf;
    const round: ProbeRound = { ok: {}, inRecovery: {} };
    await Promise.all(
      c.nodes.map(async (n, id) => {
        if (!(await tcpOk(n.host, n.port, c.checkTimeoutMs))) return;
        const q = await run(
          `${c.pgBin}/psql`,
          [
            `host=${n.host} port=${n.port} user=${c.dbUser} dbname=${c.dbName} connect_timeout=${Math.ceil(c.checkTimeoutMs / 1000)}`,
            "-Atqc",
            "select pg_is_in_recovery()",
          ],
          c.checkTimeoutMs,
        );
        const v = q.out.trim();
        if (q.code !== 0 || (v !== "t" && v !== "f")) return;
        round.ok[id] = true;
        round.inRecovery[id] = v === "t";
      }),
    );
    return round;
  }

  /** Runs `command` on a peer pool node over the cluster trust (a downed host fails at once; a slow one has 20 s). */
  private ssh(host: string, command: string): Promise<{ code: number; out: string; err: string }> {
    const c = this.conf;
    const port = c.nodes.find((n) => n.host === host)?.sshPort ?? 22;
    return run(
      "ssh",
      [
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        `UserKnownHostsFile=${c.knownHostsPath}`,
        "-o",
        "ConnectTimeout=10",
        "-i",
        c.keyPath,
        "-p",
        String(port),
        "-l",
        c.sshUser,
        "-T",
        host,
        command,
      ],
      20_000,
    );
  }

  /** The table of a live peer pool (watchdog sync), or undefined. */
  private async peerTable(): Promise<PoolBackend[] | undefined> {
    const f = this.files;
    for (const n of this.conf.nodes) {
      if (n.host === this.conf.localIp) continue;
      const r = await this.ssh(
        n.host,
        `p=$(cat ${f.pid} 2>/dev/null) && tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -q kingbasecluster && cat ${f.status}`,
      );
      if (r.code !== 0) continue;
      try {
        const t = JSON.parse(r.out) as { backends?: PoolBackend[] };
        if (Array.isArray(t.backends) && t.backends.length === this.conf.nodes.length) return t.backends;
      } catch {
        /* not a table */
      }
    }
    return undefined;
  }

  private attachRequests(): number[] {
    const ids: number[] = [];
    for (const f of fs.readdirSync(this.conf.runDir)) {
      const m = /^attach\.(\d+)$/.exec(f);
      if (!m) continue;
      ids.push(Number(m[1]));
      fs.rmSync(`${this.conf.runDir}/${f}`, { force: true });
    }
    return ids;
  }

  private write(): void {
    const tmp = `${this.files.status}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify({ backends: this.backends, at: Date.now() })}\n`);
    fs.renameSync(tmp, this.files.status);
    const vtmp = `${this.files.view}.${process.pid}.tmp`;
    fs.writeFileSync(vtmp, poolNodesTable(this.backends));
    fs.renameSync(vtmp, this.files.view);
  }

  async start(): Promise<void> {
    const synced = await this.peerTable();
    if (synced) {
      this.backends = synced;
      this.log("watchdog: backend status copied from the leader");
    } else {
      this.backends = initialBackends(this.conf.nodes, await this.probe());
      this.log("watchdog: no live peer, backend status from the first health check");
    }
    this.write();
  }

  async tick(): Promise<void> {
    const attach = this.attachRequests();
    const step = poolStep(this.backends, this.fails, await this.probe(), attach, this.conf.retries);
    for (const id of attach) {
      if (step.backends[id]?.status === "up") this.log(`pcp_attach_node: node ${id} attached`);
    }
    for (const id of step.detached)
      this.log(`degenerate backend request for node_id: ${id}; node ${id} is down`);
    this.backends = step.backends;
    this.fails = step.fails;
    if (step.promote) {
      const old = step.detached.map((id) => this.conf.nodes[id]?.host).join(",");
      this.log(
        `failover: execute failover_stream.sh, promote node ${step.promote.id} (${step.promote.host})`,
      );
      const r = await run(`${this.conf.clusterBin}/failover_stream.sh`, [step.promote.host, old], 90_000);
      if (r.code === 0) {
        const b = this.backends[step.promote.id];
        if (b) b.role = "primary";
        this.log(`failover done: node ${step.promote.id} is the new primary`);
      } else {
        this.log(`failover failed (${r.code}): ${(r.out + r.err).trim()}`);
      }
    }
    this.write();
  }
}

function main(): void {
  const args = daemonArgs();
  const confPath = args[args.indexOf("-f") + 1];
  if (!args.includes("-f") || !confPath) {
    process.stderr.write("usage: kingbasecluster -f <lab-pool.json>\n");
    process.exit(2);
  }
  const conf = JSON.parse(fs.readFileSync(confPath, "utf8")) as LabPoolConf;
  const files = poolFiles(conf.runDir);
  if (isDaemonAlive(readPidFile(files.pid), "kingbasecluster") && readPidFile(files.pid) !== process.pid) {
    process.exit(0);
  }
  if (detach()) process.exit(0);
  setVendorTitle(`${vendorArgv0("kingbasecluster")} -f ${confPath}`, "kingbasecluster");
  // a table left by an earlier (killed) instance is not this pool's view: nothing is served until start() writes one
  fs.rmSync(files.view, { force: true });
  fs.rmSync(files.status, { force: true });
  fs.writeFileSync(files.pid, `${process.pid}\n`);
  const pool = new Pool(conf);
  let stopped = false;
  const loop = async () => {
    try {
      await pool.start();
      while (!stopped) {
        await new Promise((r) => setTimeout(r, conf.checkMs));
        await pool.tick();
      }
    } catch (e) {
      pool.log(`fatal: ${(e as Error).message}`);
      process.exit(1);
    }
  };
  const stop = () => {
    stopped = true;
    if (readPidFile(files.pid) === process.pid) fs.rmSync(files.pid, { force: true });
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  void loop();
}

if (require.main === module && !underTestRunner()) main();
