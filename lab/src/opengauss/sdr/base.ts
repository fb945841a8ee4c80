/**
 * `StreamingBase` of the emulated gs_sdr: the context of one run (environment, logger, parameters, cluster
 * status) and the helper-command wrappers every task shares (§3.0 "Helper commands"): `gs_om -t status --all`,
 * `cm_ctl query|start|stop|ddb --put`, `gs_guc set|reload|check`, `gsql -p <port+1> … -t -A -X`, the state
 * files distributed to every node.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { shq } from "../../core/shell";
import { cabinDir, cabinFile, readCabin, writeCabin } from "./cabin";
import { type ClusterConf, clusterConfRecord, type DrConf } from "./conf";
import { CABIN_FILES } from "./consts";
import { gauss51632, LogExit, SdrException } from "./errors";
import { type CmdResult, type Runner, type SdrEnv, sleep } from "./exec";
import { FaultPoints } from "./faultpoint";
import type { SdrLogger } from "./log";
import {
  type ClusterStatus,
  type InstanceStatus,
  mainStandbyDns,
  mappedClusterState,
  normalDns,
  normalNodeIds,
  parseClusterState,
  parseStatus,
  primaryDns,
} from "./status";

/** Validated parameters of one run. */
export interface SdrParams {
  task: string;
  mode?: string;
  user?: string;
  password?: string;
  timeout: number;
  conf?: DrConf;
  xmlPath?: string;
}

/** The run context and shared operations (`StreamingBase`). */
export class StreamingBase {
  /** Parsed cluster status (from `cluster_state_tmp` or live). */
  status: ClusterStatus = { clusterState: "", nodes: [], dns: [], cms: [] };
  /** DN base port (localClusterConf.port). */
  port = 0;
  /** Failure points armed by the lab's `sdr-fail` fault for this run. */
  readonly faults: FaultPoints;

  /** Creates the context of one run. */
  constructor(
    readonly env: SdrEnv,
    readonly runner: Runner,
    readonly logger: SdrLogger,
    readonly traceId: string,
    readonly params: SdrParams,
  ) {
    if (params.conf) this.port = Number(params.conf.localClusterConf.port);
    this.faults = new FaultPoints(params.task, params.mode);
  }

  // ---------------------------------------------------------------- hosts and files

  /** Every host of the local cluster (status node IPs, then the local conf IPs, then this host). */
  hosts(): string[] {
    const out: string[] = [];
    const add = (h: string) => {
      if (h && !out.includes(h)) out.push(h);
    };
    for (const n of this.status.nodes) add(n.ip);
    for (const d of this.status.dns) add(d.nodeIp);
    for (const shard of this.params.conf?.localClusterConf.shards ?? []) for (const n of shard) add(n.ip);
    if (out.length === 0) add(this.env.localHost || "127.0.0.1");
    return out;
  }

  /** Runs a command on every host in parallel. */
  async onAll(cmd: string, timeoutMs = 60000): Promise<Array<{ host: string; r: CmdResult }>> {
    return Promise.all(
      this.hosts().map(async (host) => ({ host, r: await this.runner.on(host, cmd, { timeoutMs }) })),
    );
  }

  /** Runs a command locally and logs it. */
  async local(cmd: string, timeoutMs?: number): Promise<CmdResult> {
    this.logger.debug(`Execute command: ${cmd}`);
    const r = await this.runner.local(cmd, timeoutMs === undefined ? {} : { timeoutMs });
    this.logger.debug(`Result (${r.code}): ${(r.stdout + r.stderr).trim()}`);
    return r;
  }

  /** Runs a command on a host and logs it. */
  async on(host: string, cmd: string, opts: { timeoutMs?: number; secretEnv?: Record<string, string> } = {}) {
    this.logger.debug(`Execute command on [${host}]: ${cmd}`);
    const r = await this.runner.on(host, cmd, opts);
    this.logger.debug(`Result on [${host}] (${r.code}): ${(r.stdout + r.stderr).trim()}`);
    return r;
  }

  /** `mkdir -p -m 755 streaming_cabin` on every node. */
  async createCabinAll(): Promise<void> {
    fs.mkdirSync(cabinDir(this.env.pghost), { recursive: true, mode: 0o755 });
    await this.onAll(`mkdir -p -m 755 ${shq(cabinDir(this.env.pghost))}`);
  }

  /** Writes a cabin file locally and on every other node. */
  async distributeCabinFile(name: string, content: string): Promise<void> {
    writeCabin(this.env.pghost, name, content);
    const f = cabinFile(this.env.pghost, name);
    await Promise.all(
      this.hosts()
        .filter((h) => !this.runner.isLocal(h))
        .map(async (h) => {
          const r = await this.runner.writeFile(h, f, content);
          if (r.code !== 0) this.logger.debug(`Failed to write ${f} on ${h}: ${r.stderr.trim()}`);
        }),
    );
  }

  /** `base.update_streaming_info`: cluster state or a progress percentage, on every node. */
  async updateStreamingInfo(key: "cluster" | "failover" | "switchover", value: string): Promise<void> {
    const name =
      key === "cluster"
        ? CABIN_FILES.clusterStat
        : key === "failover"
          ? CABIN_FILES.failoverStat
          : CABIN_FILES.switchoverStat;
    this.logger.debug(`Update streaming info [${key}] to [${value}].`);
    await this.distributeCabinFile(name, value);
  }

  /** Removes a cabin file on every node. */
  async removeCabinFileAll(name: string): Promise<void> {
    await this.onAll(`rm -f ${shq(cabinFile(this.env.pghost, name))}`);
  }

  /** `clean_streaming_dir`: `rm -rf $PGHOST/streaming_cabin` on every node. */
  async cleanStreamingDir(): Promise<void> {
    await this.onAll(`rm -rf ${shq(cabinDir(this.env.pghost))}`);
    fs.rmSync(cabinDir(this.env.pghost), { recursive: true, force: true });
    this.logger.log("Finished remove streaming dir.");
  }

  /** `base.distribute_cluster_conf`: `cluster_conf_record` (and the XML copy) on every node. */
  async distributeClusterConf(): Promise<void> {
    if (!this.params.conf) return;
    await this.distributeCabinFile(CABIN_FILES.clusterConf, clusterConfRecord(this.params.conf));
    if (this.params.xmlPath && fs.existsSync(this.params.xmlPath)) {
      await this.distributeCabinFile(CABIN_FILES.configXml, fs.readFileSync(this.params.xmlPath, "utf8"));
    }
  }

  /** Loads `cluster_conf_record` (switchover, failover) into `params.conf`; false when missing. */
  loadClusterConfRecord(): boolean {
    const text = readCabin(this.env.pghost, CABIN_FILES.clusterConf);
    if (text === undefined) return false;
    try {
      const d = JSON.parse(text) as { localClusterConf: ClusterConf; remoteClusterConf: ClusterConf };
      this.params.conf = { localClusterConf: d.localClusterConf, remoteClusterConf: d.remoteClusterConf };
      this.port = Number(d.localClusterConf.port);
      return true;
    } catch {
      return false;
    }
  }

  /** gs_guc set `stream_cluster_run_mode` on every DN, failure ignored; 5.0.0 never calls it. */
  async setStreamRunMode(mode: "cluster_primary" | "cluster_standby"): Promise<void> {
    if (!this.env.om.setsStreamRunMode) return;
    const r = await this.gucAll("set", `stream_cluster_run_mode = '${mode}'`);
    if (r.code !== 0) this.logger.debug("Failed to set stream_cluster_run_mode (ignored).");
  }

  /** `$GAUSSHOME/bin/cluster_maintance` on every node (and in the DN data dirs). */
  async createMaintanceFile(content: string): Promise<void> {
    const f = path.join(this.env.gausshome, "bin", "cluster_maintance");
    await Promise.all(this.hosts().map((h) => this.runner.writeFile(h, f, content)));
    await Promise.all(
      this.status.dns.map((d) =>
        this.runner.writeFile(d.nodeIp, path.join(d.dataPath, "cluster_maintance"), content),
      ),
    );
  }

  /** Removes the maintance files on every node and DN. */
  async removeMaintanceFile(): Promise<void> {
    const f = path.join(this.env.gausshome, "bin", "cluster_maintance");
    await this.onAll(`rm -f ${shq(f)}`);
    await Promise.all(
      this.status.dns.map((d) =>
        this.on(d.nodeIp, `rm -f ${shq(path.join(d.dataPath, "cluster_maintance"))}`),
      ),
    );
  }

  // ---------------------------------------------------------------- status

  /** `gs_om -t status --all` (raw). */
  async gsOmStatus(): Promise<CmdResult> {
    return this.local("gs_om -t status --all", 120000);
  }

  /** `base.init_cluster_status`: writes `cluster_state_tmp` (local) from `gs_om -t status --all`. */
  async initClusterStatus(): Promise<void> {
    const r = await this.gsOmStatus();
    if (r.code !== 0) {
      throw new SdrException(gauss51632(`query cluster status. Error: ${(r.stdout + r.stderr).trim()}`));
    }
    writeCabin(this.env.pghost, CABIN_FILES.clusterStateTmp, r.stdout);
  }

  /** `base.parse_cluster_status`: from `cluster_state_tmp`, or live when `live`. */
  async parseClusterStatus(live = false): Promise<ClusterStatus> {
    let text: string | undefined;
    if (!live) text = readCabin(this.env.pghost, CABIN_FILES.clusterStateTmp);
    if (text === undefined) {
      const r = await this.gsOmStatus();
      text = r.code === 0 ? r.stdout : "";
    }
    this.status = parseStatus(text);
    return this.status;
  }

  /** A live status without replacing the recorded one. */
  async liveStatus(): Promise<ClusterStatus> {
    const r = await this.gsOmStatus();
    return parseStatus(r.code === 0 ? r.stdout : "");
  }

  /** Current `cluster_state` from `cm_ctl query`. */
  async liveClusterState(): Promise<string> {
    const r = await this.local("cm_ctl query", 60000);
    return parseClusterState(r.stdout);
  }

  /** `check_cluster_status(status_allowed, only_check)`: logs `Successfully check cluster status is: <s>.` */
  async checkClusterStatus(allowed: string[], live = false, quiet = false): Promise<boolean> {
    const st = live ? await this.liveStatus() : this.status;
    const s = mappedClusterState(st);
    if (!allowed.includes(s)) {
      if (quiet) return false;
      throw new LogExit(gauss51632("check cluster status"));
    }
    this.logger.log(`Successfully check cluster status is: ${s}.`);
    return true;
  }

  /** `check_is_under_upgrade`: `$PGHOST/binary_upgrade` must be missing or empty. */
  checkIsUnderUpgrade(): void {
    const d = path.join(this.env.pghost, "binary_upgrade");
    try {
      if (fs.readdirSync(d).length > 0)
        throw new LogExit(gauss51632("check cluster upgrade status, cluster is under upgrade"));
    } catch (e) {
      if (e instanceof LogExit) throw e;
    }
  }

  /** `DefaultValue.is_disaster_cluster`: `agent_backup_open = 1|2` in cm_agent.conf (Main Standby fallback). */
  async isDisasterCluster(): Promise<boolean> {
    const r = await this.local("cm_ctl view | grep cmDataPath", 30000);
    const m = /cmDataPath\s*:\s*(\S+)/.exec(r.stdout);
    if (m) {
      try {
        const conf = fs.readFileSync(path.join(m[1]!, "cm_agent", "cm_agent.conf"), "utf8");
        return /^\s*(agent_backup_open|ss_double_cluster_mode)\s*=\s*[12]\b/m.test(conf);
      } catch {
        // fall through
      }
    }
    const st = await this.liveStatus();
    return mainStandbyDns(st).length > 0;
  }

  // ---------------------------------------------------------------- SQL

  /** The DN port of an instance (localClusterConf.port, or `port` of its postgresql.conf). */
  async dnPort(inst: InstanceStatus): Promise<number> {
    if (this.port > 0) return this.port;
    try {
      const cfg = JSON.parse(
        fs.readFileSync(path.join(this.env.gausshome, "bin", "cluster_static_config"), "utf8"),
      ) as {
        nodes?: Array<{ ip?: string; port?: number }>;
      };
      const n = cfg.nodes?.find((x) => x.ip === inst.nodeIp) ?? cfg.nodes?.[0];
      if (n?.port) {
        this.port = Number(n.port);
        return this.port;
      }
    } catch {
      // not the lab's JSON static config: ask gs_guc
    }
    const r = await this.on(inst.nodeIp, `gs_guc check -Z datanode -D ${shq(inst.dataPath)} -c port`, {
      timeoutMs: 30000,
    });
    const m = /port=['"]?(\d+)/.exec(r.stdout + r.stderr);
    if (m) this.port = Number(m[1]);
    return this.port;
  }

  /** `gsql -p <port+1> -d postgres -c "<sql>" -t -A -X` on the DN's host. */
  async sql(inst: InstanceStatus, sql: string, timeoutMs = 60000, haPort = true): Promise<CmdResult> {
    const port = (await this.dnPort(inst)) + (haPort ? 1 : 0);
    return this.on(inst.nodeIp, `gsql -p ${port} -d postgres -c ${shq(sql)} -t -A -X`, { timeoutMs });
  }

  // ---------------------------------------------------------------- GUC and DCC

  /** `gs_guc check -Z datanode -D <dir> -c '<name>'` on the DN's host (stdout+stderr). */
  async gucCheck(inst: InstanceStatus, name: string): Promise<string> {
    const r = await this.on(
      inst.nodeIp,
      `gs_guc check -Z datanode -D ${shq(inst.dataPath)} -c ${shq(name)}`,
      {
        timeoutMs: 60000,
      },
    );
    return r.stdout + r.stderr;
  }

  /** `gs_guc <mode> -Z datanode -D <dir> -c "<kv>"` on the DN's host. */
  async gucDn(inst: InstanceStatus, mode: string, kv: string): Promise<CmdResult> {
    return this.on(inst.nodeIp, `gs_guc ${mode} -Z datanode -D ${shq(inst.dataPath)} -c ${dq(kv)}`, {
      timeoutMs: 120000,
    });
  }

  /** `gs_guc <mode> -Z <component> -N all -I all -c "<kv>"` (cluster-wide, from this node). */
  async gucAll(mode: string, kv: string, component = "datanode"): Promise<CmdResult> {
    return this.local(`gs_guc ${mode} -Z ${component} -N all -I all -c ${dq(kv)}`, 300000);
  }

  /** `cm_ctl ddb --put '<key>' '<value>'`, up to 5 tries 3 s apart, then `Successfully set [key][value].` */
  async setDcc(key: string, value: string): Promise<void> {
    const cmd = `${shq(path.join(this.env.gausshome, "bin", "cm_ctl"))} ddb --put ${shq(key)} ${shq(value)}`;
    let last: CmdResult | undefined;
    for (let i = 0; i < 5; i++) {
      last = await this.local(cmd, 60000);
      if (last.code === 0) {
        const lines = last.stdout.trim().split("\n").filter(Boolean);
        if (lines.length !== 2)
          this.logger.debug(`Unexpected ddb output (${lines.length} lines): ${last.stdout}`);
        this.logger.log(`Successfully set [${key}][${value}].`);
        return;
      }
      await sleep(3000);
    }
    throw new SdrException(
      gauss51632(`set dcc [${key}][${value}]. Error: ${(last?.stdout ?? "") + (last?.stderr ?? "")}`.trim()),
    );
  }

  /** DCC backup_open key. */
  backupOpenKey(): string {
    return `/${this.env.osUser}/CMServer/backup_open`;
  }

  // ---------------------------------------------------------------- cluster start/stop

  /**
   * `base.stop_cluster_by_node`: `cm_ctl stop -n <id> -m i -t 1800` in parallel for each node of the parsed
   * status's normal instances only (a node whose machine is gone has none and is skipped); a failed stop is
   * only logged (debug), as OM does.
   */
  async stopClusterByNode(): Promise<void> {
    this.logger.log("Stopping the cluster by node.");
    await Promise.all(
      normalNodeIds(this.status).map(async (id) => {
        this.logger.debug(`Start stop node:${id}`);
        const r = await this.local(`cm_ctl stop -n ${id} -m i -t 1800`, 1900000);
        if (r.code !== 0) this.logger.debug(`Failed stop node:${id}, error:${(r.stdout + r.stderr).trim()}`);
        else this.logger.debug(`Successfully stop node:${id}`);
      }),
    );
    this.logger.log("Successfully stopped the cluster by node for streaming cluster.");
  }

  /** `cm_ctl stop -m i -t 1800`. */
  async stopCluster(): Promise<void> {
    this.logger.log("Stopping the cluster.");
    const r = await this.local("cm_ctl stop -m i -t 1800", 1900000);
    if (r.code !== 0)
      throw new SdrException(gauss51632(`stop cluster. Error: ${(r.stdout + r.stderr).trim()}`));
    this.logger.log("Successfully stopped the cluster.");
  }

  /**
   * `base.start_cluster`: `cm_ctl start -t <cmTimeout>`, then every 5 s `Waiting cluster normal.` until Normal
   * or Degraded or `waitSeconds` expire (then the timeout lines and continue).
   */
  async startCluster(cmTimeout: number, waitSeconds: number): Promise<void> {
    this.logger.log("Starting the cluster.");
    const r = await this.local(`cm_ctl start -t ${cmTimeout}`, (cmTimeout + 60) * 1000);
    if (r.code !== 0) {
      this.logger.log("Warning: the cluster is not normal, please check cluster status!");
    } else {
      this.logger.log("Successfully started primary instance. Please wait for standby instances.");
    }
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
      const s = await this.liveClusterState();
      if (s === "Normal" || s === "Degraded") {
        this.logger.log("Successfully started standby instances.");
        return;
      }
      if (Date.now() >= deadline) {
        this.logger.log(`Timeout. Failed to start the cluster in (${waitSeconds})s.`);
        const q = await this.local("cm_ctl query -v -C -s -i -d", 60000);
        this.logger.log(`Current cluster status (${q.stdout.trim()}).`);
        this.logger.log("It will continue to start in the background.");
        return;
      }
      this.logger.log("Waiting cluster normal.");
      await sleep(5000);
    }
  }

  /** Waits (10 s polls, up to `timeout`) until `gs_om` reports Normal. */
  async waitClusterNormal(timeout: number): Promise<void> {
    const deadline = Date.now() + timeout * 1000;
    for (;;) {
      const st = await this.liveStatus();
      if (st.clusterState === "Normal") {
        this.logger.log("The cluster status is Normal.");
        return;
      }
      if (Date.now() >= deadline) {
        throw new SdrException(
          `[GAUSS-52800] : Cluster is ${st.clusterState || "Unknown"}(${st.clusterState}) now.`,
        );
      }
      await sleep(10000);
    }
  }

  // ---------------------------------------------------------------- slots, term

  /** Drops the `dn_<n>_hadr` slots on the normal DNs. */
  async dropHadrSlots(): Promise<void> {
    this.logger.log("Starting drop all node replication slots");
    const st = await this.liveStatus();
    for (const d of normalDns(st)) {
      const r = await this.sql(
        d,
        "select slot_name from pg_get_replication_slots() where slot_name like 'dn_%_hadr';",
      );
      if (r.code !== 0) continue;
      for (const s of lines(r.stdout)) {
        await this.sql(d, `select * from pg_drop_replication_slot('${s}');`);
      }
    }
    this.logger.log("Finished drop all node replication slots");
  }

  /** Drops the archive slots (physical, not gs_roach_*, not cn_%/dn_%) on the primary DNs. */
  async dropArchiveSlots(): Promise<void> {
    const st = await this.liveStatus();
    for (const d of primaryDns(st)) {
      const r = await this.sql(
        d,
        "select slot_name from pg_get_replication_slots() where slot_type='physical' and slot_name not in ('gs_roach_full','gs_roach_inc') and slot_name not like 'cn_%' and slot_name not like 'dn_%' and active = false;",
      );
      if (r.code !== 0) continue;
      for (const s of lines(r.stdout)) await this.sql(d, `select * from pg_drop_replication_slot('${s}');`);
    }
  }

  /**
   * Max term over the normal DNs plus 100 (`select term from pg_last_xlog_replay_location();`); a max of 0
   * raises the bare `Exception("Failed get term")` of `base.get_term`.
   */
  async getMaxTerm(): Promise<number> {
    let max = 0;
    const fault = this.faults.hit("term");
    for (const d of normalDns(this.status)) {
      const r = await this.sql(d, "select term from pg_last_xlog_replay_location();");
      for (const l of lines(r.stdout)) {
        const n = fault ? 0 : Number.parseInt(l, 10);
        if (!Number.isNaN(n) && n > max) max = n;
      }
    }
    this.logger.debug(`Get max term ${max} in dns`);
    if (max === 0) throw new SdrException("Failed get term");
    return max + 100;
  }

  /** `Clean hadr user info.` + DROP GLOBAL CONFIGURATION when the row exists on the first primary DN. */
  async cleanHadrUserInfo(inst?: InstanceStatus): Promise<void> {
    const d = inst ?? primaryDns(await this.liveStatus())[0];
    if (!d) return;
    const r = await this.sql(d, "select value from gs_global_config where name='hadr_user_info';");
    if (r.code !== 0 || lines(r.stdout).length === 0) return;
    this.logger.log("Clean hadr user info.");
    const dr = await this.sql(d, "DROP GLOBAL CONFIGURATION hadr_user_info;");
    if (dr.code !== 0)
      throw new SdrException(gauss51632(`clean hadr user info. Error: ${(dr.stdout + dr.stderr).trim()}`));
    this.logger.log("Successfully clean hadr user info from database.");
  }
}

/** Non-empty trimmed lines. */
export function lines(s: string): string[] {
  return s
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Double-quotes an argument for bash (escaping `"`, `$`, `` ` `` and `\`), like OM's `-c "…"`. */
function dq(s: string): string {
  return `"${s.replace(/(["$`\\])/g, "\\$1")}"`;
}
