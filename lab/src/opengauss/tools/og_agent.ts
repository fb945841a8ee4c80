/**
 * The lab's node agent (the emulation's stand-in for cm_agent and for OM's per-node helper scripts): one
 * JSON request (base64 in argv[2], or JSON on stdin when argv[2] is `-`), one JSON answer on the last stdout
 * line. Used by cm_ctl / gs_guc to act on peer nodes over SSH and by the provisioner inside each host.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { streamIpFor } from "../../core/addresses";
import { LocalDn, processAlive } from "../dn";
import { execFile, psql, sleep } from "../exec";
import { cutPeers } from "../faultmarks";
import { applyGucLocal, type GucRequest } from "../guc";
import {
  cmConfPaths,
  faultDir,
  homePaths,
  hostAddresses,
  NODE_BIN,
  PG_BIN,
  type StaticConfig,
  writeFileAtomic,
} from "../layout";
import { exportsIpType, installedScripts, versionCfg } from "../release";
import type { DnRole } from "../runtime";
import { EMULATION_DDL } from "../sql";
import { DN_STATUS_SQL } from "../status";

/** Tools that get a wrapper in `$GAUSSHOME/bin` (gs_sdr goes to `$GPHOME/script`). */
const BIN_TOOLS = ["gs_om", "cm_ctl", "gs_guc", "gs_ctl", "gsql"];

/** The env file; preinstall exports `IP_TYPE` only from v6.0.0 on. */
function bashrc(cfg: StaticConfig, release: string): string {
  return [
    "# pulumi-hadr lab: openGauss environment (the tools emulate openGauss on PostgreSQL 15)",
    `export GAUSSHOME=${cfg.gaussHome}`,
    `export GPHOME=${cfg.gpHome}`,
    `export PGHOST=${cfg.pgHost}`,
    `export GAUSSLOG=${cfg.gaussLog}`,
    ...(exportsIpType(release) ? ["export IP_TYPE=ipv4"] : []),
    "export PATH=$GAUSSHOME/bin:$GPHOME/script:$PATH",
    "export LD_LIBRARY_PATH=$GAUSSHOME/lib:$LD_LIBRARY_PATH",
    "",
  ].join("\n");
}

function wrapper(cfg: StaticConfig, tool: string): string {
  // SigIgn bit 0 is SIGHUP: passed on, because node resets inherited signal dispositions (python does not).
  const hup =
    tool === "gs_sdr"
      ? `case "$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status)" in *[13579bdfBDF]) export HADR_LAB_SIGHUP_IGN=1 ;; esac\n`
      : "";
  return `#!/bin/sh\n${hup}exec ${NODE_BIN} ${cfg.toolsDir}/opengauss/tools/${tool}.js "$@"\n`;
}

/**
 * `ps` as one machine sees it: the lab's hosts share this machine's process table, so lines whose first
 * field is a pid are kept only for processes of this host (HADR_LAB_HOST in their environment); other lines
 * (headers) pass. This host's pids come from one `grep -l` over every `/proc/<pid>/environ` the user can
 * read, taken before `ps` runs (a grep per listed process made every `ps` cost hundreds of process starts);
 * the exit status is ps's.
 */
function psWrapper(): string {
  return [
    "#!/bin/bash",
    "# pulumi-hadr lab: this host's processes only (the lab hosts share one machine's process table)",
    'mine=$(grep -lzx "HADR_LAB_HOST=$HADR_LAB_HOST" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3)',
    '/bin/ps "$@" | awk -v mine="$mine" \'BEGIN { n = split(mine, p, "\\n"); for (i = 1; i <= n; i++) keep[p[i]] = 1 } $1 !~ /^[0-9]+$/ || ($1 in keep)\'',
    'exit "$PIPESTATUS"',
    "",
  ].join("\n");
}

/**
 * `hostname` as this host sees it: `-I` / `--all-ip-addresses` print the host's addresses (its lab address
 * and its stream address) the way one machine would; anything else goes to the real hostname.
 */
function hostnameWrapper(addresses: string[]): string {
  return [
    "#!/bin/sh",
    "# pulumi-hadr lab: this host's addresses (the lab hosts share one machine's interfaces)",
    'case "$1" in -I|--all-ip-addresses) echo "' + addresses.join(" ") + ' "; exit 0 ;; esac',
    'exec /bin/hostname "$@"',
    "",
  ].join("\n");
}

/** Writes the release's version.cfg (both copies) and env file: what installing that OM release leaves. */
function writeRelease(cfg: StaticConfig, release: string): Record<string, unknown> {
  const version = versionCfg(release);
  writeFileAtomic(path.join(cfg.home, ".bashrc"), bashrc(cfg, release), 0o644);
  writeFileAtomic(path.join(cfg.gpHome, "version.cfg"), version, 0o644);
  writeFileAtomic(path.join(cfg.gaussHome, "bin", "version.cfg"), version, 0o644);
  for (const [rel, text] of Object.entries(installedScripts(release))) {
    const file = path.join(cfg.gpHome, "script", rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, text, 0o644);
  }
  return { ok: true, version: version.split("\n")[0] };
}

/** Writes the env file, tool wrappers, static config, version.cfg and CM files of this host. */
function nodeSetup(cfg: StaticConfig, nodeId: number, release: string): Record<string, unknown> {
  const p = homePaths(cfg.home);
  for (const d of [
    path.join(cfg.gaussHome, "bin"),
    path.join(cfg.gaussHome, "lib"),
    path.join(cfg.gpHome, "script"),
    path.join(cfg.gaussLog, "om"),
    path.join(cfg.cmDataPath, "cm_agent"),
    path.join(cfg.cmDataPath, "cm_server"),
    path.join(cfg.labDir, "dn"),
    faultDir(cfg.labDir),
    path.dirname(p.dataDir),
  ]) {
    fs.mkdirSync(d, { recursive: true, mode: 0o755 });
  }
  fs.mkdirSync(cfg.pgHost, { recursive: true, mode: 0o700 });
  for (const t of BIN_TOOLS) writeFileAtomic(path.join(cfg.gaussHome, "bin", t), wrapper(cfg, t), 0o755);
  writeFileAtomic(path.join(cfg.gpHome, "script", "gs_sdr"), wrapper(cfg, "gs_sdr"), 0o755);
  writeFileAtomic(path.join(cfg.gaussHome, "bin", "ps"), psWrapper(), 0o755);
  const me = cfg.nodes.find((n) => n.nodeId === nodeId);
  if (me)
    writeFileAtomic(path.join(cfg.gaussHome, "bin", "hostname"), hostnameWrapper(hostAddresses(me)), 0o755);
  // any other emulated tool the lab ships (gs_encrypt, …) goes next to the core ones
  const toolDir = path.join(cfg.toolsDir, "opengauss", "tools");
  for (const f of fs.existsSync(toolDir) ? fs.readdirSync(toolDir) : []) {
    const t = f.replace(/\.js$/, "");
    if (!f.endsWith(".js") || t === "og_agent" || t === "gs_sdr" || BIN_TOOLS.includes(t)) continue;
    writeFileAtomic(path.join(cfg.gaussHome, "bin", t), wrapper(cfg, t), 0o755);
  }
  writeFileAtomic(
    path.join(cfg.gaussHome, "bin", "cluster_static_config"),
    JSON.stringify(cfg, null, 2),
    0o644,
  );
  writeFileAtomic(path.join(cfg.labDir, "local_node"), `${nodeId}\n`, 0o644);
  writeRelease(cfg, release);
  const cm = cmConfPaths(cfg.cmDataPath);
  if (!fs.existsSync(cm.agent)) {
    writeFileAtomic(
      cm.agent,
      "# cm_agent.conf (pulumi-hadr lab)\nagent_backup_open = 0\t\t# 0 primary cluster, 2 streaming DR cluster\n",
      0o600,
    );
  }
  if (!fs.existsSync(cm.server)) {
    writeFileAtomic(
      cm.server,
      "# cm_server.conf (pulumi-hadr lab)\nbackup_open = 0\nenable_transaction_read_only = on\n",
      0o600,
    );
  }
  return { ok: true };
}

/** initdb (when needed) + openGauss view + start as primary + emulation objects. */
async function initPrimary(viewConf: string, hba: string): Promise<Record<string, unknown>> {
  const dn = LocalDn.here();
  if (!fs.existsSync(path.join(dn.dataDir, "PG_VERSION"))) {
    const r = await execFile(
      path.join(PG_BIN, "initdb"),
      ["-D", dn.dataDir, "-U", dn.cfg.user, "-E", "UTF8", "--locale=C", "-A", "trust", "--no-sync"],
      { timeoutMs: 120_000 },
    );
    if (r.code !== 0) return { ok: false, error: `initdb: ${r.stderr}` };
    fs.writeFileSync(path.join(dn.dataDir, "postgresql.conf"), viewConf, { mode: 0o600 });
    fs.writeFileSync(path.join(dn.dataDir, "pg_hba.conf"), hba, { mode: 0o600 });
    dn.setRole("primary");
  }
  const st = dn.pid() ? { ok: true, lines: [] as string[] } : await dn.start();
  if (!st.ok) return { ok: false, error: st.lines.join("\n") };
  const rec = await psql(dn.local(), "select pg_is_in_recovery()");
  if (rec.stdout.trim() === "f") {
    const ddl = await psql(dn.local(), EMULATION_DDL, { timeoutMs: 60_000 });
    if (ddl.code !== 0) return { ok: false, error: `emulation DDL: ${ddl.stderr}` };
  }
  return { ok: true };
}

/** pg_basebackup from the primary (when needed) + openGauss view + start as standby. */
async function initStandby(
  viewConf: string,
  source: { host: string; port: number },
): Promise<Record<string, unknown>> {
  const dn = LocalDn.here();
  if (!fs.existsSync(path.join(dn.dataDir, "PG_VERSION"))) {
    fs.rmSync(dn.dataDir, { recursive: true, force: true });
    const r = await execFile(
      path.join(PG_BIN, "pg_basebackup"),
      [
        "-h",
        source.host,
        "-p",
        String(source.port),
        "-U",
        dn.cfg.user,
        "-D",
        dn.dataDir,
        "-X",
        "stream",
        "-c",
        "fast",
        "-N",
      ],
      { timeoutMs: 300_000 },
    );
    if (r.code !== 0) return { ok: false, error: `pg_basebackup: ${r.stderr}` };
    fs.writeFileSync(path.join(dn.dataDir, "postgresql.conf"), viewConf, { mode: 0o600 });
    fs.writeFileSync(path.join(dn.dataDir, "standby.signal"), "");
    dn.setRole("standby");
  }
  const st = dn.pid() ? { ok: true, lines: [] as string[] } : await dn.start();
  return st.ok ? { ok: true } : { ok: false, error: st.lines.join("\n") };
}

/** SIGKILL of the postmaster and its children (by the pid file). */
function killDn(): Record<string, unknown> {
  const dn = LocalDn.here();
  const pid = dn.pid();
  if (!pid) return { ok: true, killed: [] };
  const kids: number[] = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) kids.push(Number(d));
    } catch {
      // process went away
    }
  }
  for (const p of [pid, ...kids]) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // already gone
    }
  }
  // wait until they are gone (or zombies), so a restart finds the shared memory released
  const end = Date.now() + 10_000;
  while (Date.now() < end && [pid, ...kids].some(processAlive))
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  return { ok: true, killed: [pid, ...kids] };
}

/**
 * Ends replication with `peer` right now: walsenders to it and a walreceiver from it, until none is left (at most
 * 30 s; the walreceiver then follows its new conninfo).
 */
async function dropLinks(peer: string): Promise<Record<string, unknown>> {
  const dn = LocalDn.here();
  if (!dn.pid()) return { ok: true };
  const ip = peer.replace(/[^0-9.]/g, "");
  const hosts = [ip, streamIpFor(ip) ?? ip].map((h) => `'${h}'`).join(",");
  // a walreceiver may reconnect once with the old conninfo before its reload is read: end links until none is left
  const end = Date.now() + 30_000;
  for (;;) {
    const ended = await Promise.all([
      psql(
        dn.local(),
        `select count(pg_terminate_backend(pid)) from pg_stat_replication where application_name like '%:${ip}'`,
      ),
      psql(
        dn.local(),
        `select count(pg_terminate_backend(pid)) from pg_stat_wal_receiver where sender_host in (${hosts})`,
      ),
    ]);
    if (ended.every((r) => r.code === 0 && r.stdout.trim() === "0")) return { ok: true };
    if (Date.now() > end) return { ok: false, error: `replication with ${ip} still up after 30 s` };
    await sleep(500);
  }
}

/** Removes every fault marker (and the stale locks the lab planted). */
function clearFaults(): void {
  const dn = LocalDn.here();
  const dir = faultDir(dn.cfg.labDir);
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (f.startsWith("lock_"))
      fs.rmSync(path.join(dn.cfg.pgHost, `streaming_lock_${f.slice(5)}`), { force: true });
    fs.rmSync(path.join(dir, f), { force: true });
  }
}

/**
 * CM's failover of a Cascade Standby in a DR cluster (arbiter.ts): it becomes the Main Standby (configured
 * role, reload: it now streams from the primary cluster); returns once its walreceiver has left the local
 * upstream (at most 5 s).
 */
async function cmFailover(): Promise<Record<string, unknown>> {
  const dn = LocalDn.here();
  if (!dn.pid()) return { ok: false, error: "DN not running" };
  dn.setRole("main_standby");
  writeFileAtomic(dn.files.elected, `${new Date().toISOString()}\n`, 0o644);
  const r = await dn.reload();
  const local = dn.cfg.nodes.flatMap((n) => [n.ip, ...(n.streamIp ? [n.streamIp] : [])]);
  const inList = local.map((h) => `'${h}'`).join(",");
  const end = Date.now() + 5000;
  while (Date.now() < end) {
    const q = await psql(
      dn.local(),
      `select count(*) from pg_stat_wal_receiver where sender_host in (${inList})`,
    );
    if (q.code === 0 && q.stdout.trim() === "0") break;
    await sleep(200);
  }
  return { ...r };
}

async function handle(req: Record<string, unknown>): Promise<Record<string, unknown>> {
  switch (req["op"]) {
    case "node-setup":
      return nodeSetup(req["cfg"] as StaticConfig, req["nodeId"] as number, req["release"] as string);
    case "set-release":
      return writeRelease(LocalDn.here().cfg, req["release"] as string);
    case "init-primary":
      return initPrimary(req["viewConf"] as string, req["hba"] as string);
    case "init-standby":
      return initStandby(req["viewConf"] as string, req["source"] as { host: string; port: number });
    case "dn-info": {
      const dn = LocalDn.here();
      const electedAt = fs.existsSync(dn.files.elected) ? fs.statSync(dn.files.elected).mtimeMs : 0;
      return {
        ok: true,
        running: !!dn.pid(),
        stopped: fs.existsSync(dn.files.stopped),
        role: dn.role(),
        electedAt,
      };
    }
    case "cm-failover":
      return cmFailover();
    case "dn-start": {
      const r = await LocalDn.here().start(
        req["role"] as DnRole | undefined,
        (req["timeoutS"] as number) ?? 120,
      );
      return { ...r };
    }
    case "dn-stop": {
      const mode = (req["mode"] as "fast" | "immediate" | undefined) ?? "fast";
      return { ...(await LocalDn.here().stop(mode, req["manual"] !== false)) };
    }
    case "dn-reload":
      return { ...(await LocalDn.here().reload()) };
    case "dn-kill":
      return killDn();
    case "dn-status": {
      const dn = LocalDn.here();
      if (!dn.pid()) return { ok: true, line: `${dn.node.name} ${dn.node.ip}:${dn.port()} down` };
      const r = await psql(dn.local(), DN_STATUS_SQL);
      return { ok: r.code === 0, status: r.stdout.trim() };
    }
    case "guc":
      return { ...(await applyGucLocal(req["req"] as GucRequest)) };
    case "fault-mark": {
      const dn = LocalDn.here();
      const content = typeof req["content"] === "string" ? `${req["content"]}\n` : "";
      writeFileAtomic(path.join(faultDir(dn.cfg.labDir), req["name"] as string), content, 0o644);
      return { ok: true };
    }
    case "link-cut":
    case "link-restore": {
      const dn = LocalDn.here();
      const marker = path.join(faultDir(dn.cfg.labDir), `cut_${req["peer"] as string}`);
      if (req["op"] === "link-cut") writeFileAtomic(marker, "", 0o644);
      else fs.rmSync(marker, { force: true });
      // the new primary_conninfo only counts once PostgreSQL has been told
      const r = await dn.reload();
      return { ...r, cut: cutPeers(dn.cfg.labDir), ...(r.ok ? {} : { error: r.lines.join(" ") }) };
    }
    case "boot": {
      // the machine came back: start the DN as CM would (a killed postmaster may take a moment to go)
      const dn = LocalDn.here();
      if (dn.pid()) return { ok: true, lines: [] };
      let st = await dn.start();
      for (let i = 0; i < 20 && !st.ok; i++) {
        await sleep(500);
        st = await dn.start();
      }
      return { ...st };
    }
    case "link-drop":
      return dropLinks(req["peer"] as string);
    case "stale-lock": {
      const dn = LocalDn.here();
      const trace = req["trace"] as string;
      const lock = path.join(dn.cfg.pgHost, `streaming_lock_${trace}`);
      writeFileAtomic(lock, "", 0o600);
      writeFileAtomic(path.join(faultDir(dn.cfg.labDir), `lock_${trace}`), "", 0o644);
      return { ok: true, lock };
    }
    case "dn-stop-fault": {
      const dn = LocalDn.here();
      writeFileAtomic(path.join(faultDir(dn.cfg.labDir), "pg_stopped"), "", 0o644);
      return { ...(await dn.stop("fast", false)) };
    }
    case "reset": {
      clearFaults();
      const dn = LocalDn.here();
      if (!dn.pid()) {
        // a killed postmaster's children may take a moment to release the shared memory
        let st = await dn.start();
        for (let i = 0; i < 20 && !st.ok; i++) {
          await sleep(500);
          st = await dn.start();
        }
        return { ...st };
      }
      return { ...(await dn.reload()) };
    }
    default:
      return { ok: false, error: `unknown op ${String(req["op"])}` };
  }
}

async function main(): Promise<void> {
  const arg = process.argv[2] ?? "-";
  const text = arg === "-" ? fs.readFileSync(0, "utf8") : Buffer.from(arg, "base64").toString("utf8");
  let res: Record<string, unknown>;
  try {
    res = await handle(JSON.parse(text) as Record<string, unknown>);
  } catch (e) {
    res = { ok: false, error: (e as Error).message };
  }
  process.stdout.write(`\n${JSON.stringify(res)}\n`);
}

void main();
