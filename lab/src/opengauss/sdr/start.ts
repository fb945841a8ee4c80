/**
 * `gs_sdr -t start -m primary|disaster_standby` (§3.1, §3.2, `StreamingStartHandler.run`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { shq } from "../../core/shell";
import { lines, type StreamingBase } from "./base";
import {
  cabinDir,
  cabinFile,
  checkActionAndMode,
  readCabin,
  readStep,
  removeStep,
  writeCabin,
  writeStep,
} from "./cabin";
import {
  CABIN_FILES,
  DEFAULT_WAL_KEEP_SEGMENTS,
  MAX_BUILD_TIMEOUT,
  MAX_WAL_KEEP_SEGMENTS,
  SQL_RTO_RPO_PROBE,
  SQL_WAL_SENDERS,
  STANDBY_START_TIMEOUT,
} from "./consts";
import {
  checkDnInstanceParams,
  configStreamingReplInfo,
  setMostAvailable,
  updateStreamingPgHba,
} from "./dnconfig";
import { gauss51632, LogExit, SdrException } from "./errors";
import { sleep } from "./exec";
import { encryptHadrUserInfo, generateHadrKeys, hadrKeyPaths, hadrKeysExist } from "./secure";
import { cascadeDns, type InstanceStatus, mainStandbyDns, primaryDns } from "./status";

/** Python `repr` of a list of strings. */
function pyList(items: string[]): string {
  return `[${items.map((i) => `'${i}'`).join(", ")}]`;
}

/** Python `repr` of a str→str dict. */
export function pyDict(d: Record<string, string>): string {
  return `{${Object.entries(d)
    .map(([k, v]) => `'${k}': '${v}'`)
    .join(", ")}}`;
}

/** `base.query_streaming_step` with its stdout line. */
export function queryStep(base: StreamingBase, stepKey: string, action: string): number {
  const step = readStep(base.env.pghost, stepKey);
  if (step < 0) base.logger.log(`Got the step for action:[${action}].`);
  else base.logger.log(`Got the continue step:[${step}] for action:[${action}].`);
  return step;
}

/** Writes a step (local) and logs it. */
export function stepDone(base: StreamingBase, stepKey: string, step: string): void {
  writeStep(base.env.pghost, stepKey, step);
  base.logger.debug(`Write step [${step}].`);
}

/** Removes the step file with its stdout line. */
export function stepFileRemoved(base: StreamingBase, stepKey: string): void {
  removeStep(base.env.pghost, stepKey);
  base.logger.log("Successfully removed step file.");
}

async function checkDisasterUser(base: StreamingBase): Promise<void> {
  const user = base.params.user!;
  const pwd = base.params.password!;
  const d = primaryDns(base.status)[0];
  if (!d) throw new LogExit(gauss51632("checking disaster user, no primary dn"));
  base.logger.log("Start checking disaster recovery user.");
  const r = await base.sql(d, "select usename, userepl from pg_user;");
  const users: Record<string, string> = {};
  for (const l of lines(r.stdout)) {
    const [u, rep] = l.split("|");
    if (u) users[u] = rep ?? "";
  }
  if (r.code !== 0 || users[user] !== "t") {
    throw new LogExit(
      gauss51632(
        `checking disaster user, please confirm disaster user is exist and with replication role.Users:${pyDict(users)}`,
      ),
    );
  }
  base.logger.log("Successfully check disaster recovery user.");
  // Lab deviation: the password travels in PGPASSWORD, not `-W '<pwd>'` on the gsql argv.
  const port = await base.dnPort(d);
  const pc = await base.on(
    d.nodeIp,
    `gsql -p ${port} -d postgres -U ${shq(user)} -c ${shq("select 1;")} -t -A -X`,
    {
      timeoutMs: 60000,
      secretEnv: { PGPASSWORD: pwd },
    },
  );
  if (pc.code !== 0) throw new LogExit(gauss51632("check disaster user password"));
  if (!hadrKeysExist(base.env.gausshome)) {
    base.logger.log("Start generate hadr key files.");
    generateHadrKeys(base.env.gausshome);
    await distributeHadrKeys(base, path.join(base.env.gausshome, "bin"));
    base.logger.log("Finished generate and distribute hadr key files.");
  }
  await base.cleanHadrUserInfo(d);
  base.logger.log("Start encrypt hadr user info.");
  const cipher = encryptHadrUserInfo(base.env.gausshome, user, pwd);
  base.logger.log("Successfully encrypt hadr user info.");
  base.logger.log("Start save hadr user info into database.");
  let ok = false;
  for (let i = 0; i < 5 && !ok; i++) {
    const s = await base.sql(d, `ALTER GLOBAL CONFIGURATION with(hadr_user_info ='${cipher}');`);
    ok = s.code === 0;
    if (!ok) await sleep(1000);
  }
  if (!ok) throw new SdrException(gauss51632("save hadr user info into database"));
  base.logger.log("Successfully save hadr user info into database.");
}

/** Copies the two hadr key files from `srcDir` into `$GAUSSHOME/bin` on every node. */
async function distributeHadrKeys(base: StreamingBase, srcDir: string): Promise<void> {
  const dest = hadrKeyPaths(base.env.gausshome);
  for (const [name, d] of [
    ["hadr.key.cipher", dest.cipher],
    ["hadr.key.rand", dest.rand],
  ] as const) {
    const src = path.join(srcDir, name);
    await Promise.all(base.hosts().map((h) => base.runner.copyTo(h, src, d)));
    await base.onAll(`chmod 600 ${shq(d)}`);
  }
}

function localVersionCfg(base: StreamingBase): string | undefined {
  for (const p of [
    path.join(base.env.gphome, "version.cfg"),
    path.join(base.env.gausshome, "bin", "version.cfg"),
  ]) {
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

async function prepareSecureFiles(base: StreamingBase): Promise<void> {
  base.logger.log("Start prepare secure files.");
  const dir = cabinFile(base.env.pghost, CABIN_FILES.secureDir);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const vc = localVersionCfg(base);
  if (vc) fs.copyFileSync(vc, path.join(dir, "version.cfg"));
  fs.writeFileSync(path.join(dir, ".cluster_user_record"), base.env.osUser, { mode: 0o600 });
  base.logger.log("Start copy hadr user key files.");
  const k = hadrKeyPaths(base.env.gausshome);
  fs.copyFileSync(k.cipher, path.join(dir, "hadr.key.cipher"));
  fs.copyFileSync(k.rand, path.join(dir, "hadr.key.rand"));
  const rs = await Promise.all(
    base.status.dns.map((d) =>
      base.runner.copyTo(d.nodeIp, dir, path.join(d.dataPath, CABIN_FILES.secureDir)),
    ),
  );
  if (rs.some((r) => r.code !== 0)) throw new SdrException(gauss51632("copy secure files"));
  base.logger.log("Successfully copy secure files.");
}

async function recordWalKeepSegments(base: StreamingBase): Promise<void> {
  const out: string[] = [];
  for (const d of primaryDns(base.status)) {
    const r = await base.sql(d, "show wal_keep_segments;");
    const v = r.code === 0 ? lines(r.stdout)[0] : undefined;
    out.push(`${d.instanceId}:${v ?? DEFAULT_WAL_KEEP_SEGMENTS}`);
  }
  writeCabin(base.env.pghost, CABIN_FILES.walKeep, `${out.join("\n")}\n`);
}

async function reloadWalKeep(base: StreamingBase, values: Record<string, string>): Promise<void> {
  for (const d of primaryDns(base.status)) {
    const v = values[d.instanceId] ?? DEFAULT_WAL_KEEP_SEGMENTS;
    // 5.0.0–5.0.3, 5.1.0, 6.0.0, 6.0.1 and 7.0.0-RC1 write the value quoted
    const value = base.env.om.walKeepQuoted ? `'${v}'` : v;
    const r = await base.gucDn(d, "reload", `wal_keep_segments = ${value}`);
    if (r.code !== 0) throw new SdrException(gauss51632(`reload wal_keep_segments of dn:${d.instanceId}`));
  }
}

async function waitMainStandbyConnection(base: StreamingBase): Promise<void> {
  await base.updateStreamingInfo("cluster", "full_backup");
  base.logger.log("Waiting for the main standby connection.");
  const deadline = Date.now() + base.params.timeout * 1000;
  for (;;) {
    let all = true;
    for (const d of primaryDns(base.status)) {
      const a = await base.sql(d, SQL_RTO_RPO_PROBE, 30000);
      const b = await base.sql(d, SQL_WAL_SENDERS, 30000);
      if (a.code !== 0 || b.code !== 0 || lines(a.stdout).length === 0 || lines(b.stdout).length === 0)
        all = false;
    }
    if (all && !base.faults.hit("connection")) break;
    if (Date.now() >= deadline) {
      await base.updateStreamingInfo("cluster", "backup_fail");
      throw new SdrException(
        gauss51632(`check main standby connection Because Waiting timeout: ${base.params.timeout}s`),
      );
    }
    await sleep(5000);
  }
  base.logger.log("Main standby already connected.");
}

async function buildSecureFilesFromRemote(base: StreamingBase): Promise<void> {
  base.logger.log("Start build key files from remote cluster.");
  const conf = base.params.conf!;
  const rport = Number(conf.remoteClusterConf.port);
  const localNodes = conf.localClusterConf.shards.flat();
  const remoteIps = conf.remoteClusterConf.shards.flat().map((n) => n.dataIp);
  const deadline = Date.now() + base.params.timeout * 1000;
  let built: InstanceStatus | undefined;
  while (!built) {
    for (const d of base.status.dns) {
      const ldip = localNodes.find((n) => n.ip === d.nodeIp)?.dataIp ?? d.nodeIp;
      const port = await base.dnPort(d);
      for (const rip of remoteIps) {
        const cmd = `gs_ctl build -D ${shq(d.dataPath)} -M standby -b copy_secure_files -Z datanode -U ${shq(base.params.user!)} -C ${shq(`localhost=${ldip} localport=${port + 1} remotehost=${rip} remoteport=${rport + 1}`)}`;
        const r = await base.on(d.nodeIp, cmd, {
          timeoutMs: 300000,
          secretEnv: { PGPASSWORD: base.params.password! },
        });
        if (r.code === 0) {
          built = d;
          break;
        }
      }
      if (built) break;
    }
    if (built) break;
    if (Date.now() >= deadline) throw new LogExit(gauss51632("build files from cluster"));
    await sleep(5000);
  }
  const dest = cabinFile(base.env.pghost, CABIN_FILES.secureDir);
  const cp = await base.runner.copyFrom(built.nodeIp, path.join(built.dataPath, CABIN_FILES.secureDir), dest);
  if (cp.code !== 0) throw new SdrException(gauss51632("copy secure files from data dir"));
  const remoteVc = path.join(dest, "version.cfg");
  const lvc = localVersionCfg(base);
  if (lvc && fs.existsSync(remoteVc)) {
    const commit = (t: string) => t.split("\n")[2]?.trim() ?? "";
    if (commit(fs.readFileSync(remoteVc, "utf8")) !== commit(fs.readFileSync(lvc, "utf8"))) {
      throw new SdrException(
        "ValueError: [GAUSS-51632] : Failed to do check version. Different version of cluster and disaster recovery.",
      );
    }
  }
  const userRec = path.join(dest, ".cluster_user_record");
  if (fs.existsSync(userRec)) {
    const remoteUser = fs.readFileSync(userRec, "utf8").trim();
    if (remoteUser !== base.env.osUser) {
      throw new LogExit(
        gauss51632(`check cluster user consistency, remote:${remoteUser}, local:${base.env.osUser}`),
      );
    }
  }
  base.logger.log("Start copy hadr user key files.");
  await distributeHadrKeys(base, dest);
  base.logger.log("Successfully build and distribute key files to all nodes.");
}

async function dropLogicalSlots(base: StreamingBase): Promise<void> {
  const d = primaryDns(base.status)[0];
  if (!d) return;
  const r = await base.sql(d, "select slot_name from pg_get_replication_slots() where slot_type='logical';");
  if (r.code !== 0) return;
  for (const s of lines(r.stdout)) await base.sql(d, `select * from pg_drop_replication_slot('${s}');`);
}

/** Runs a `gs_ctl build` in the background and polls `gs_ctl querybuild` every 5 s until it ends. */
async function buildAndWait(base: StreamingBase, d: InstanceStatus, buildCmd: string): Promise<boolean> {
  const child = base.on(d.nodeIp, buildCmd, {
    timeoutMs: (MAX_BUILD_TIMEOUT + 60) * 1000,
    secretEnv: { PGPASSWORD: base.params.password ?? "" },
  });
  let finished = false;
  void child.then(() => {
    finished = true;
  });
  while (!finished) {
    await Promise.race([child, sleep(5000)]);
    if (finished) break;
    const q = await base.on(d.nodeIp, `gs_ctl querybuild -D ${shq(d.dataPath)}`, { timeoutMs: 60000 });
    base.logger.debug(`querybuild dn:${d.instanceId}: ${/db_state *: *(.*)/.exec(q.stdout)?.[1] ?? ""}`);
  }
  const res = await child;
  const q = await base.on(d.nodeIp, `gs_ctl querybuild -D ${shq(d.dataPath)}`, { timeoutMs: 60000 });
  const state = /db_state *: *(.*)/.exec(q.stdout + q.stderr)?.[1]?.trim();
  if (state === "Build completed") return true;
  if (state === "Build failed" || state === "Building") return false;
  return res.code === 0;
}

async function buildMainStandby(base: StreamingBase, d: InstanceStatus): Promise<void> {
  const id = d.instanceId;
  base.logger.log(`Start build main standby dn:${id}`);
  const cab = cabinDir(base.env.pghost);
  await base.on(
    d.nodeIp,
    `mkdir -p ${shq(cab)} && cp -p ${shq(path.join(d.dataPath, "pg_hba.conf"))} ${shq(path.join(cab, `${id}_pg_hba.conf`))} && cp -p ${shq(path.join(d.dataPath, "pg_ident.conf"))} ${shq(path.join(cab, `${id}_pg_ident.conf`))}`,
  );
  let ok = false;
  for (let i = 0; i < 3 && !ok; i++) {
    // Lab deviation: the password is in PGPASSWORD instead of `-P '<pwd>'`, so it never shows in ps.
    ok =
      !base.faults.hit("build") &&
      (await buildAndWait(
        base,
        d,
        `gs_ctl build -D ${shq(d.dataPath)} -M hadr_main_standby -r 7200 -q -Z datanode -Q force_copy_from_local -U ${shq(base.params.user!)} -t ${MAX_BUILD_TIMEOUT}`,
      ));
    if (!ok) base.logger.log(`Failed to build main standby dn:${id}. Try next time.`);
  }
  if (!ok) {
    base.logger.log("Failed to build main standby more than three times.");
    throw new SdrException(gauss51632("full build from remote cluster"));
  }
  base.logger.log(`Successfully build main standby dn:${id}`);
  await base.on(
    d.nodeIp,
    `cp -p ${shq(path.join(cab, `${id}_pg_hba.conf`))} ${shq(path.join(d.dataPath, "pg_hba.conf"))}; cp -p ${shq(path.join(cab, `${id}_pg_ident.conf`))} ${shq(path.join(d.dataPath, "pg_ident.conf"))}`,
  );
  base.logger.log(`Starting single main standby dn:${id}`);
  const deadline = Date.now() + base.params.timeout * 1000;
  for (;;) {
    const r = await base.on(d.nodeIp, `gs_ctl start -D ${shq(d.dataPath)} -M hadr_main_standby`, {
      timeoutMs: 600000,
    });
    if (r.code === 0) break;
    if (Date.now() >= deadline) throw new SdrException(gauss51632(`start single main standby dn:${id}`));
    await sleep(5000);
  }
  base.logger.log(`Successfully start single main standby dn:${id}`);
}

async function buildCascadeStandby(base: StreamingBase, d: InstanceStatus): Promise<void> {
  const id = d.instanceId;
  base.logger.log(`Start build cascade standby dn:${id}`);
  let ok = false;
  for (let i = 0; i < 3 && !ok; i++) {
    ok = await buildAndWait(
      base,
      d,
      `gs_ctl build -D ${shq(d.dataPath)} -M cascade_standby -b standby_full -r 7200 -Z datanode -t ${MAX_BUILD_TIMEOUT}`,
    );
    if (!ok) base.logger.log(`Failed to build cascade standby dn:${id}. Try next time.`);
  }
  if (!ok) {
    base.logger.log("Failed to build cascade standby more than three times.");
    throw new SdrException(gauss51632("full build from remote cluster"));
  }
  base.logger.log(`Successfully build cascade standby dn:${id}`);
}

async function buildDns(base: StreamingBase): Promise<void> {
  await base.updateStreamingInfo("cluster", "restore");
  base.logger.log("Start building process.");
  const mains = primaryDns(base.status);
  const cascades = base.status.dns.filter((d) => d.state !== "Primary");
  try {
    await Promise.all(mains.map((d) => buildMainStandby(base, d)));
    base.logger.log("Finished build main standby dns.");
    await Promise.all(cascades.map((d) => buildCascadeStandby(base, d)));
    base.logger.log("Finished build cascade standby dns.");
  } catch (e) {
    await base.updateStreamingInfo("cluster", "restore_fail");
    throw new SdrException(`[GAUSS-51632] : Failed to do build dns.Error:${(e as Error).message}`);
  }
}

async function removeSecureFiles(base: StreamingBase): Promise<void> {
  await Promise.all(
    base.status.dns.map((d) =>
      base.on(d.nodeIp, `rm -rf ${shq(path.join(d.dataPath, CABIN_FILES.secureDir))}`),
    ),
  );
  fs.rmSync(cabinFile(base.env.pghost, CABIN_FILES.secureDir), { recursive: true, force: true });
}

/** Runs `start` for the mode in `base.params.mode`. */
export async function runStart(base: StreamingBase): Promise<void> {
  const primary = base.params.mode === "primary";
  const stepKey = primary ? "start_primary" : "start_standby";
  base.logger.log("Start create streaming disaster relationship.");
  const step = queryStep(base, stepKey, "start");
  if (step < 2) {
    await base.createCabinAll();
    checkActionAndMode(base.env.pghost, stepKey);
    // v6.0.0+; older releases re-run start on a cluster already in archive/recovery
    if (step <= 0 && base.env.om.startForbiddenInArchive) {
      const stat = readCabin(base.env.pghost, CABIN_FILES.clusterStat) ?? "";
      for (const word of ["archive", "recovery"]) {
        if (stat.includes(word))
          throw new LogExit(`Current cluster is already in ${word}, start is forbidden.`);
      }
    }
    await base.initClusterStatus();
  }
  await base.parseClusterStatus();
  if (primary) await checkDisasterUser(base);
  if (step < 2) {
    await base.checkClusterStatus(["Normal"]);
    const mains = mainStandbyDns(base.status);
    const cascades = cascadeDns(base.status);
    if (mains.length > 0 || cascades.length > 0) {
      throw new LogExit(
        gauss51632(
          `check instance status, there are already main standby or cascade standby, main standby:${pyList(mains.map((d) => d.instanceId))}, cascade stadnby:${pyList(cascades.map((d) => d.instanceId))}`,
        ),
      );
    }
    base.logger.log("Successfully check instance status.");
    const cm = await base.local("cm_ctl view | grep cmDataPath", 30000);
    if (cm.code !== 0) throw new LogExit(gauss51632("check cm_ctl is available for current cluster"));
    base.checkIsUnderUpgrade();
    await checkDnInstanceParams(base);
    stepDone(base, stepKey, "2_check_cluster_step");
  }
  // Common stage, every run.
  await base.distributeClusterConf();
  await updateStreamingPgHba(base, step <= 5);
  await configStreamingReplInfo(base, primary ? "reload" : "set");
  if (step < 3) {
    if (primary) {
      await prepareSecureFiles(base);
      await recordWalKeepSegments(base);
    } else {
      await dropLogicalSlots(base);
      await buildSecureFilesFromRemote(base);
    }
    stepDone(base, stepKey, "3_set_wal_segments_step");
  }
  if (step < 4) {
    if (primary) {
      base.logger.log(`Starting reload wal_keep_segments value: ${MAX_WAL_KEEP_SEGMENTS}.`);
      const all: Record<string, string> = {};
      for (const d of primaryDns(base.status)) all[d.instanceId] = String(MAX_WAL_KEEP_SEGMENTS);
      await reloadWalKeep(base, all);
      base.logger.log(`Successfully reload wal_keep_segments value: ${MAX_WAL_KEEP_SEGMENTS}.`);
    }
    stepDone(base, stepKey, "4_set_wal_segments_step");
  }
  if (step < 5) {
    const runMode = primary ? "cluster_primary" : "cluster_standby";
    await base.setStreamRunMode(runMode);
    await base.setDcc(base.backupOpenKey(), primary ? "0" : "2");
    await setMostAvailable(base, primary ? "reload" : "set");
    if (!primary) await base.stopClusterByNode();
    stepDone(base, stepKey, "5_set_wal_segments_step");
  }
  if (step < 6) {
    if (!primary) {
      const a = await base.gucAll("set", "backup_open=2", "cmserver");
      if (a.code !== 0) base.logger.debug("Failed to set cm_server backup_open.");
      const b = await base.gucAll("set", "agent_backup_open=2", "cmagent");
      if (b.code !== 0) base.logger.debug("Failed to set cm_agent agent_backup_open.");
    }
    stepDone(base, stepKey, "6_set_guc_step");
  }
  if (step < 7) {
    if (!primary) await buildDns(base);
    stepDone(base, stepKey, "7_build_dn_instance_step");
  }
  if (step < 8) {
    if (primary) {
      await waitMainStandbyConnection(base);
      await base.checkClusterStatus(["Normal"], true, true);
      await base.updateStreamingInfo("cluster", "archive");
    } else {
      await base.startCluster(STANDBY_START_TIMEOUT, STANDBY_START_TIMEOUT);
      const ok = await base.checkClusterStatus(["Normal"], true, true);
      await base.updateStreamingInfo("cluster", ok ? "recovery" : "recovery_fail");
    }
    stepDone(base, stepKey, "8_start_cluster_step");
  }
  // Stage 9.
  const rec = readCabin(base.env.pghost, CABIN_FILES.walKeep);
  if (primary && rec !== undefined) {
    const recorded: Record<string, string> = {};
    for (const l of lines(rec)) {
      const [id, v] = l.split(":");
      if (id && v) recorded[id] = v;
    }
    // ≤ v6.0.2 and 7.0.0-RC1 look the record up with keys that never match: every DN gets the default (128)
    const lookup = base.env.om.walKeepRestoresRecorded ? recorded : {};
    const values: Record<string, string> = {};
    for (const d of primaryDns(base.status))
      values[d.instanceId] = lookup[d.instanceId] ?? DEFAULT_WAL_KEEP_SEGMENTS;
    // the log shows the record as read, whatever was applied (as the real one does)
    base.logger.log(`Starting reload wal_keep_segments value: ${pyDict(recorded)}.`);
    await reloadWalKeep(base, values);
    base.logger.log(`Successfully reload wal_keep_segments value: ${pyDict(recorded)}.`);
  }
  await removeSecureFiles(base);
  stepFileRemoved(base, stepKey);
  base.logger.log("Successfully do streaming disaster recovery start.");
}
