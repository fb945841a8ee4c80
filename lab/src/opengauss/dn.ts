/**
 * The DN of the host the process runs on: configured role, start/stop/reload/promote through pg_ctl with
 * the generated runtime files, and `gs_ctl build` (pg_basebackup from the right upstream).
 *
 * Start role when none is given (what CM decides, `cm_ctl start`): the configured role (`<labDir>/dn/role`,
 * else standby.signal → standby, else primary) mapped through the cluster mode from cm_agent.conf:
 * DR cluster (`agent_backup_open = 2`): primary/main_standby → main_standby, others → cascade_standby;
 * primary cluster: primary/main_standby/pending → primary, others → standby. A DN that must become primary
 * but holds standby.signal starts as a standby without upstream and is promoted (`pg_ctl promote`, new
 * timeline); every start as primary empties the switchover barrier table.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { execFile, psql, sleep } from "./exec";
import { cutPeers } from "./faultmarks";
import { runtimeHba } from "./hba";
import {
  cmConfPaths,
  dnFiles,
  localNode,
  type OgNode,
  PG_BIN,
  readIfExists,
  readStaticConfig,
  type StaticConfig,
  writeFileAtomic,
} from "./layout";
import { getGuc, parseReplconninfo, replChannels, unquote } from "./ogconf";
import { type DnRole, runtimeConf } from "./runtime";

const ROLES: DnRole[] = ["primary", "standby", "main_standby", "cascade_standby", "pending"];

/** `agent_backup_open` of a cm_agent.conf text (0 when absent). */
function agentBackupOpen(text: string | undefined): number {
  const v = text === undefined ? undefined : getGuc(text, "agent_backup_open");
  return v === undefined ? 0 : Number(unquote(v)) || 0;
}

/** True when `pid` exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Result of a gs_ctl-like operation: lines to print and success. */
export interface DnOpResult {
  ok: boolean;
  lines: string[];
}

function stamp(): string {
  const d = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, "0");
  return `[${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}][${process.pid}][][gs_ctl]:`;
}

/** gs_ctl-style message line. */
export function ctlLine(msg: string): string {
  return `${stamp()} ${msg}`;
}

/** The local DN. */
export class LocalDn {
  readonly files: ReturnType<typeof dnFiles>;
  constructor(
    readonly cfg: StaticConfig,
    readonly node: OgNode,
  ) {
    this.files = dnFiles(cfg.labDir);
  }

  /** The DN of this host, from the static config. */
  static here(): LocalDn {
    const cfg = readStaticConfig();
    return new LocalDn(cfg, localNode(cfg));
  }

  get dataDir(): string {
    return this.node.dataDir;
  }

  /** The openGauss view of postgresql.conf. */
  viewConf(): string {
    return readIfExists(path.join(this.dataDir, "postgresql.conf")) ?? "";
  }

  /** Port the DN listens on (view `port`, else the static one). */
  port(): number {
    const v = getGuc(this.viewConf(), "port");
    return v ? Number(unquote(v)) : this.node.port;
  }

  /** psql target for the local DN over its unix socket. */
  local(database = "postgres"): { host: string; port: number; user: string; database: string } {
    return { host: this.cfg.pgHost, port: this.port(), user: this.cfg.user, database };
  }

  /** Configured role. */
  role(): DnRole {
    const r = readIfExists(this.files.role)?.trim() as DnRole | undefined;
    if (r && ROLES.includes(r)) return r;
    return fs.existsSync(path.join(this.dataDir, "standby.signal")) ? "standby" : "primary";
  }

  /** Sets the configured role; a change of role ends a CM election (the `elected` marker goes). */
  setRole(r: DnRole): void {
    if (r !== this.role()) fs.rmSync(this.files.elected, { force: true });
    writeFileAtomic(this.files.role, `${r}\n`, 0o644);
  }

  /** True when this cluster is a DR (disaster_standby) cluster per cm_agent.conf. */
  isDrCluster(): boolean {
    return agentBackupOpen(readIfExists(cmConfPaths(this.cfg.cmDataPath).agent)) === 2;
  }

  /** The role `cm_ctl start` starts this DN in. */
  inferredStartRole(): DnRole {
    const last = this.role();
    if (this.isDrCluster())
      return last === "primary" || last === "main_standby" ? "main_standby" : "cascade_standby";
    return last === "primary" || last === "main_standby" || last === "pending" ? "primary" : "standby";
  }

  /** Postmaster pid when running. */
  pid(): number | undefined {
    const txt = readIfExists(path.join(this.dataDir, "postmaster.pid"));
    const pid = txt ? Number(txt.split("\n")[0]) : Number.NaN;
    return Number.isInteger(pid) && pid > 0 && processAlive(pid) ? pid : undefined;
  }

  /** Finds the running local main standby (for a cascade standby's upstream). */
  async findLocalMainStandby(): Promise<{ host: string; port: number } | undefined> {
    const peers = this.cfg.nodes.filter((n) => n.nodeId !== this.node.nodeId);
    const res = await Promise.all(
      peers.map(async (n) => {
        const r = await psql(
          { host: n.ip, port: n.port, user: this.cfg.user },
          "select pg_is_in_recovery()::text || ',' || coalesce(current_setting('og_lab.role', true), '')",
          { timeoutMs: 5000 },
        );
        return { n, out: r.code === 0 ? r.stdout.trim() : "" };
      }),
    );
    const hit = res.find((r) => r.out === "true,main_standby");
    return hit ? { host: hit.n.ip, port: hit.n.port } : undefined;
  }

  /** Writes the runtime postgresql.conf and pg_hba.conf for `role`. */
  async writeRuntime(role: DnRole): Promise<void> {
    const view = this.viewConf();
    const cascadeUpstream = role === "cascade_standby" ? await this.findLocalMainStandby() : undefined;
    writeFileAtomic(
      this.files.runtimeConf,
      runtimeConf({
        cfg: this.cfg,
        node: this.node,
        viewConf: view,
        role,
        cut: cutPeers(this.cfg.labDir),
        cascadeUpstream,
        runtimeHbaPath: this.files.runtimeHba,
      }),
    );
    const hba = readIfExists(path.join(this.dataDir, "pg_hba.conf")) ?? "";
    writeFileAtomic(this.files.runtimeHba, runtimeHba(hba, this.cfg.user));
  }

  private pgCtl(args: string[], timeoutMs = 120_000) {
    return execFile(path.join(PG_BIN, "pg_ctl"), args, { timeoutMs });
  }

  /** Reloads PG after regenerating the runtime files for the configured role (running DN only). */
  async reload(): Promise<DnOpResult> {
    await this.writeRuntime(this.role());
    if (!this.pid()) return { ok: true, lines: [] };
    const r = await this.pgCtl(["reload", "-D", this.dataDir]);
    return { ok: r.code === 0, lines: [ctlLine(r.code === 0 ? "server signaled" : r.stderr.trim())] };
  }

  private setSignal(standby: boolean): void {
    const sig = path.join(this.dataDir, "standby.signal");
    if (standby) fs.writeFileSync(sig, "");
    else fs.rmSync(sig, { force: true });
    fs.rmSync(path.join(this.dataDir, "recovery.signal"), { force: true });
  }

  private async clearBarrier(): Promise<void> {
    await psql(this.local(), "delete from og_lab.switchover_barrier", { timeoutMs: 10_000 });
  }

  /** Waits until the DN accepts connections. */
  async waitReady(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const r = await execFile(path.join(PG_BIN, "pg_isready"), [
        "-q",
        "-h",
        this.cfg.pgHost,
        "-p",
        String(this.port()),
      ]);
      if (r.code === 0) return true;
      await sleep(200);
    }
    return false;
  }

  /** Starts the DN in `role` (default: what CM would choose). */
  async start(role?: DnRole, timeoutS = 120): Promise<DnOpResult> {
    const want = role ?? this.inferredStartRole();
    const lines: string[] = [];
    fs.rmSync(this.files.stopped, { force: true });
    if (this.pid()) {
      const cur = this.role();
      const inRecovery = (await psql(this.local(), "select pg_is_in_recovery()")).stdout.trim() === "t";
      if (cur === want && inRecovery === (want !== "primary")) {
        await this.reload();
        return { ok: true, lines: [ctlLine(`server already running in ${want} mode (${this.dataDir})`)] };
      }
      if (want === "primary" && inRecovery) return this.promote();
      const st = await this.stop("fast", false);
      lines.push(...st.lines);
    }
    const needPromote = want === "primary" && fs.existsSync(path.join(this.dataDir, "standby.signal"));
    this.setRole(want);
    await this.writeRuntime(needPromote ? "pending" : want);
    this.setSignal(want !== "primary" || needPromote);
    const r = await this.pgCtl(
      [
        "start",
        "-D",
        this.dataDir,
        "-w",
        "-t",
        String(timeoutS),
        "-l",
        this.files.log,
        "-o",
        `-c config_file=${this.files.runtimeConf}`,
      ],
      (timeoutS + 10) * 1000,
    );
    if (r.code !== 0) {
      lines.push(ctlLine(`failed to start server: ${(r.stderr || r.stdout).trim()}`));
      return { ok: false, lines };
    }
    lines.push(ctlLine("waiting for server to start..."), ctlLine("done"));
    if (needPromote) {
      const p = await this.promote();
      lines.push(...p.lines);
      if (!p.ok) return { ok: false, lines };
    } else if (want === "primary") {
      await this.clearBarrier();
    }
    lines.push(ctlLine(`server started (${this.dataDir})`));
    return { ok: true, lines };
  }

  /** Stops the DN; `manual` leaves the "Manually stopped" marker. */
  async stop(
    mode: "fast" | "immediate" | "smart" = "fast",
    manual = true,
    timeoutS = 120,
  ): Promise<DnOpResult> {
    if (manual) writeFileAtomic(this.files.stopped, `${new Date().toISOString()}\n`, 0o644);
    if (!this.pid()) return { ok: true, lines: [ctlLine(`server not running (${this.dataDir})`)] };
    const r = await this.pgCtl(
      ["stop", "-D", this.dataDir, "-m", mode, "-w", "-t", String(timeoutS)],
      (timeoutS + 10) * 1000,
    );
    if (r.code !== 0) return { ok: false, lines: [ctlLine(`failed to stop server: ${r.stderr.trim()}`)] };
    return {
      ok: true,
      lines: [ctlLine("waiting for server to shut down.... done"), ctlLine("server stopped")],
    };
  }

  /** Promotes a running standby (gs_ctl notify -M primary / failover). */
  async promote(): Promise<DnOpResult> {
    const r = await this.pgCtl(["promote", "-D", this.dataDir, "-w", "-t", "120"], 130_000);
    if (r.code !== 0 && !/not in standby mode/.test(r.stderr)) {
      return { ok: false, lines: [ctlLine(`failed to promote: ${r.stderr.trim()}`)] };
    }
    this.setRole("primary");
    await this.writeRuntime("primary");
    await this.pgCtl(["reload", "-D", this.dataDir]);
    await this.clearBarrier();
    return { ok: true, lines: [ctlLine("server promoted"), ctlLine("notify primary success")] };
  }

  /** Picks the source of a build. */
  private async buildSource(
    mode: string,
    buildType: string,
    conninfo: string | undefined,
  ): Promise<{ host: string; port: number } | string> {
    const cut = cutPeers(this.cfg.labDir);
    const probe = async (host: string, port: number): Promise<string> => {
      const r = await psql(
        { host, port, user: this.cfg.user },
        "select pg_is_in_recovery()::text || ',' || coalesce(current_setting('og_lab.role', true), '')",
        { timeoutMs: 5000 },
      );
      return r.code === 0 ? r.stdout.trim() : "";
    };
    let candidates: Array<{ host: string; port: number }> = [];
    if (conninfo) {
      const kv = parseReplconninfo(conninfo);
      if (kv["remotehost"] && kv["remoteport"]) {
        candidates = [{ host: kv["remotehost"], port: Number(kv["remoteport"]) - 1 }];
      }
    }
    const channels = replChannels(this.viewConf());
    if (candidates.length === 0) {
      const cross = mode === "hadr_main_standby" || buildType === "copy_secure_files";
      candidates = channels
        .filter((c) => c.crossRegion === cross)
        .map((c) => ({ host: c.remoteHost, port: c.remotePort - 1 }));
      if (!cross && candidates.length === 0) {
        candidates = this.cfg.nodes
          .filter((n) => n.nodeId !== this.node.nodeId)
          .map((n) => ({ host: n.ip, port: n.port }));
      }
    }
    candidates = candidates.filter((c) => !cut.includes(c.host));
    if (candidates.length === 0) return "no reachable build source";
    const states = await Promise.all(candidates.map(async (c) => ({ c, s: await probe(c.host, c.port) })));
    const pick = (pred: (s: string) => boolean) => states.find((x) => x.s !== "" && pred(x.s))?.c;
    let src: { host: string; port: number } | undefined;
    if (mode === "cascade_standby") {
      src = pick((s) => s === "true,main_standby") ?? pick((s) => s.startsWith("true")) ?? pick(() => true);
    } else {
      src = pick((s) => s.startsWith("false"));
    }
    return (
      src ??
      `no ${mode === "cascade_standby" ? "running" : "primary"} build source among ${candidates.map((c) => `${c.host}:${c.port + 1}`).join(", ")}`
    );
  }

  /** `gs_ctl build`: full copy (pg_basebackup) or the secure files only. */
  async build(o: {
    mode: string;
    buildType: string;
    user?: string;
    password?: string;
    passwordSource: "argv" | "env" | "none";
    conninfo?: string;
    timeoutS: number;
  }): Promise<DnOpResult> {
    const record = (state: string, extra: Record<string, unknown> = {}): void =>
      writeFileAtomic(
        this.files.build,
        JSON.stringify({
          state,
          mode: o.mode,
          buildType: o.buildType,
          user: o.user ?? this.cfg.user,
          passwordSource: o.passwordSource,
          pid: process.pid,
          at: new Date().toISOString(),
          ...extra,
        }),
        0o644,
      );
    record("Building");
    const lines: string[] = [ctlLine(`gs_ctl build ,datadir is ${this.dataDir}`)];
    try {
      const src = await this.buildSource(o.mode, o.buildType, o.conninfo);
      if (typeof src === "string") throw new Error(src);
      lines.push(ctlLine(`build source ${src.host}:${src.port + 1}`));
      const copySecure = o.buildType === "copy_secure_files";
      const tmp = `${this.dataDir}.build`;
      fs.rmSync(tmp, { recursive: true, force: true });
      if (!copySecure && this.pid()) lines.push(...(await this.stop("fast", false)).lines);
      const env: NodeJS.ProcessEnv = { ...process.env, PGCONNECT_TIMEOUT: "5" };
      delete env["PGPASSWORD"];
      if (o.password !== undefined) env["PGPASSWORD"] = o.password;
      const r = await execFile(
        path.join(PG_BIN, "pg_basebackup"),
        [
          "-h",
          src.host,
          "-p",
          String(src.port),
          "-U",
          o.user ?? this.cfg.user,
          "-D",
          tmp,
          "-X",
          copySecure ? "none" : "stream",
          "-c",
          "fast",
          "-N",
          "-w",
        ],
        { env, timeoutMs: o.timeoutS * 1000 },
      );
      if (r.code !== 0) {
        fs.rmSync(tmp, { recursive: true, force: true });
        throw new Error(`pg_basebackup failed: ${r.stderr.trim()}`);
      }
      if (copySecure) {
        const from = path.join(tmp, "gs_secure_files");
        if (!fs.existsSync(from)) {
          fs.rmSync(tmp, { recursive: true, force: true });
          throw new Error("the source has no gs_secure_files");
        }
        const to = path.join(this.dataDir, "gs_secure_files");
        fs.rmSync(to, { recursive: true, force: true });
        fs.cpSync(from, to, { recursive: true });
        fs.rmSync(tmp, { recursive: true, force: true });
      } else {
        const keep = this.viewConf();
        const old = `${this.dataDir}.old`;
        fs.rmSync(old, { recursive: true, force: true });
        if (fs.existsSync(this.dataDir)) fs.renameSync(this.dataDir, old);
        fs.renameSync(tmp, this.dataDir);
        if (keep) fs.writeFileSync(path.join(this.dataDir, "postgresql.conf"), keep, { mode: 0o600 });
        fs.rmSync(old, { recursive: true, force: true });
        fs.writeFileSync(path.join(this.dataDir, "standby.signal"), "");
        const role: DnRole =
          o.mode === "hadr_main_standby"
            ? "main_standby"
            : o.mode === "cascade_standby"
              ? "cascade_standby"
              : "standby";
        this.setRole(role);
        await this.writeRuntime(role);
      }
      record("Build completed", { source: `${src.host}:${src.port}` });
      lines.push(ctlLine("build completed"));
      return { ok: true, lines };
    } catch (e) {
      record("Build failed", { error: (e as Error).message });
      lines.push(ctlLine(`build failed: ${(e as Error).message}`));
      return { ok: false, lines };
    }
  }

  /** `db_state` of `gs_ctl querybuild`. */
  buildState(): string {
    const txt = readIfExists(this.files.build);
    if (!txt) return "Normal";
    try {
      const j = JSON.parse(txt) as { state: string; pid: number };
      if (j.state === "Building" && !processAlive(j.pid)) return "Build failed";
      return j.state;
    } catch {
      return "Unknown";
    }
  }
}
