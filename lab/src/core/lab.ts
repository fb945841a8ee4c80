/**
 * The lab lifecycle: `up`, `down`, `status`, `reset`, `fault`, `exec`. Wires the core modules (addresses,
 * users, keys, namespaces, sshd, state, faults, packages) and calls the engine provisioners.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { kingbaseV8R3Provisioner, kingbaseV8R6Provisioner } from "../kingbase/provision";
import { openGaussProvisioner, setOmRelease } from "../opengauss/provision";
import { DEFAULT_OM_RELEASE, parseOmVersionOption, versionCfg } from "../opengauss/release";
import type {
  EngineProvisioner,
  LabClusterSpec,
  LabContext,
  LabEngine,
  LabHost,
  LabInfo,
  LabRunResult,
} from "../types";
import {
  ALL_ENGINES,
  allHosts,
  DEFAULT_NODES,
  DEFAULT_PAIRS,
  DEFAULT_PORT_BASE,
  hostDir,
  isKingbaseHost,
  labNetFromEnv,
  labRootFromEnv,
  topology,
} from "./addresses";
import { bundleTools } from "./bundle";
import { injectFault } from "./faults";
import {
  firewallOff,
  firewallOn,
  firewallScript,
  firewallTable,
  type JumpInfo,
  jumpHost,
  readJump,
  writeJump,
} from "./jump";
import {
  ensureHostKey,
  ensureLabKeys,
  fingerprintOfFile,
  hostKeyPath,
  keyPaths,
  readPublicKey,
  writeAuthorizedKeys,
  writeIfChanged,
  writeKnownHosts,
} from "./keys";
import { hostLeftovers, labLeftovers } from "./leftovers";
import { destroyNamespace, ensureNamespace, holderPid, hostFsDirs, runInHost } from "./namespace";
import { ensurePackages } from "./packages";
import { ensureRunSshd, registerLab, removeRegistry, unregisterLab } from "./registry";
import { readSites, restoreAllSites } from "./sites";
import { reloadSshd, sshdPid, startSshd, stopSshd, writeSshdConfig } from "./sshd";
import { acquireLock, buildLabInfo, type LabState, readState, writeLabInfo, writeState } from "./state";
import { currentUserAsLabUsers, ensureSudoers, ensureUsers, groupId, LAB_GROUP, removeUsers } from "./users";

/** The provisioner of every engine. */
const PROVISIONERS: Record<LabEngine, EngineProvisioner> = {
  opengauss: openGaussProvisioner,
  "kingbase-v8r3": kingbaseV8R3Provisioner,
  "kingbase-v8r6": kingbaseV8R6Provisioner,
};

/** sshd port of every host: 22 as root, 2222 otherwise. */
function sshPortFor(asRoot: boolean): number {
  return asRoot ? 22 : 2222;
}

/** Options of {@link labUp}. */
export interface UpOptions {
  nodes?: number;
  /** openGauss DR pairs: 1 (A,B) or 2 (also C,D); default: unchanged, first up 1. */
  pairs?: number;
  portBase?: number;
  /** Engines whose provisioners run now (others keep what an earlier `up` gave them). */
  engines?: LabEngine[];
  /** `--om-version`: `<release>` for every openGauss cluster or `A=<release>,B=<release>`; unnamed clusters keep theirs. */
  omVersion?: string;
}

/** Where the lab lives and with which privileges, from the environment. */
export interface LabEnv {
  root: string;
  net: number;
  asRoot: boolean;
  log: (message: string) => void;
}

/** The lab environment of this process (`HADR_LAB_ROOT`, `HADR_LAB_NET`, uid); logs go to stderr. */
export function labEnvFromProcess(): LabEnv {
  return {
    root: labRootFromEnv(),
    net: labNetFromEnv(),
    asRoot: process.getuid?.() === 0,
    log: (m) => process.stderr.write(`[lab] ${m}\n`),
  };
}

/** Directory of the compiled lab runtime (lab/dist/src, the directory of cli.js; the self-tests are elsewhere). */
export function compiledLabDir(): string {
  return path.resolve(__dirname, "..");
}

function toolsDirOf(root: string): string {
  return path.join(root, "tools");
}

/** Builds the context handed to provisioners. */
function makeContext(state: LabState, log: (m: string) => void): LabContext {
  const k = keyPaths(state.root);
  return {
    root: state.root,
    portBase: state.portBase,
    asRoot: state.asRoot,
    users: state.users,
    clientKeyPath: k.client,
    clusterKeyPath: k.cluster,
    knownHostsPath: k.knownHosts,
    toolsDir: toolsDirOf(state.root),
    run: (host, user, script, opts) =>
      runInHost({ root: state.root, asRoot: state.asRoot, host }, user, script, opts),
    log,
  };
}

/** The clusters of a lab state, with the host-key fingerprints read from disk. */
function clustersOf(state: LabState): LabClusterSpec[] {
  const clusters = topology({
    root: state.root,
    net: state.net,
    nodes: state.nodes,
    pairs: state.pairs,
    sshPort: state.sshPort,
  });
  for (const h of allHosts(clusters)) {
    try {
      h.hostKeyFingerprint = fingerprintOfFile(`${hostKeyPath(state.root, h.ip)}.pub`);
    } catch {
      /* not created yet */
    }
  }
  return clusters;
}

function stageTimer(log: (m: string) => void) {
  const start = Date.now();
  let last = start;
  return {
    stage(name: string) {
      const now = Date.now();
      log(`stage ${name}: ${((now - last) / 1000).toFixed(2)}s`);
      last = now;
    },
    total(what: string) {
      log(`${what}: ${((Date.now() - start) / 1000).toFixed(2)}s total`);
    },
  };
}

/** Login names a host's sshd accepts. */
function loginUsers(state: LabState, clusters: LabClusterSpec[], host: LabHost): string[] {
  const names = [...new Set([state.users.omm.name, state.users.kingbase.name])];
  if (state.asRoot && isKingbaseHost(clusters, host)) names.push("root");
  return names;
}

/** Creates a host's private filesystem: homes of the lab users with their ssh client config, cron.d, shm. */
function prepareHostFs(state: LabState, host: LabHost, sshClientConfig: string): void {
  const d = hostFsDirs(host.fsRoot);
  for (const dir of [d.home, d.cron]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    fs.chmodSync(dir, 0o755);
  }
  fs.mkdirSync(d.shm, { recursive: true });
  fs.chmodSync(d.shm, 0o1777);
  const users = state.asRoot ? [state.users.omm, state.users.kingbase] : [state.users.omm];
  for (const u of users) {
    const home = path.join(d.home, u.name);
    const sshDir = path.join(home, ".ssh");
    fs.mkdirSync(sshDir, { recursive: true });
    const cfg = path.join(sshDir, "config");
    writeIfChanged(cfg, sshClientConfig, 0o600);
    if (state.asRoot) {
      fs.chownSync(home, u.uid, u.gid);
      fs.chownSync(sshDir, u.uid, u.gid);
      fs.chownSync(cfg, u.uid, u.gid);
    }
    fs.chmodSync(home, 0o700);
    fs.chmodSync(sshDir, 0o700);
  }
}

function sshClientConfig(state: LabState): string {
  const k = keyPaths(state.root);
  return [
    "# pulumi-hadr lab: OM-style SSH trust between the lab hosts (cluster key, pinned host keys)",
    "Host *",
    `  IdentityFile ${k.cluster}`,
    "  IdentitiesOnly yes",
    `  UserKnownHostsFile ${k.knownHosts}`,
    "  GlobalKnownHostsFile /dev/null",
    "  StrictHostKeyChecking yes",
    "  BatchMode yes",
    `  Port ${state.sshPort}`,
    "  ConnectTimeout 5",
    "  ServerAliveInterval 5",
    "  ServerAliveCountMax 3",
    "",
  ].join("\n");
}

/** Paths, sizes and mtimes of every file under `dir`: changes when the compiled lab code changes. */
function treeSignature(dir: string): string {
  const parts: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const st = fs.statSync(p);
        parts.push(`${path.relative(dir, p)}:${st.size}:${st.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return parts.join("\n");
}

/**
 * Copies the compiled lab code into `<root>/tools` (readable by all), with each tool entry point replaced by
 * its one-file bundle (core/bundle.ts: a tool start reads one file, not its whole module graph), swapping the
 * old copy atomically; skipped when the copy is already current.
 */
function copyTools(root: string): string {
  const src = compiledLabDir();
  const dst = toolsDirOf(root);
  const signature = treeSignature(src);
  const sigFile = path.join(dst, ".source-signature");
  try {
    if (fs.readFileSync(sigFile, "utf8") === signature) return dst;
  } catch {
    /* no copy yet */
  }
  const fresh = `${dst}.new-${process.pid}`;
  const old = `${dst}.old-${process.pid}`;
  fs.rmSync(fresh, { recursive: true, force: true });
  fs.cpSync(src, fresh, { recursive: true, filter: (p) => !p.endsWith(".tsbuildinfo") });
  bundleTools(src, fresh);
  const nodeModules = path.resolve(src, "..", "..", "..", "node_modules");
  if (fs.existsSync(nodeModules)) fs.symlinkSync(nodeModules, path.join(fresh, "node_modules"));
  const fix = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return;
    fs.chmodSync(p, st.isDirectory() ? 0o755 : (st.mode & 0o111) !== 0 ? 0o755 : 0o644);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) fix(path.join(p, e));
  };
  fix(fresh);
  fs.writeFileSync(path.join(fresh, ".source-signature"), signature, { mode: 0o644 });
  if (fs.existsSync(dst)) fs.renameSync(dst, old);
  fs.renameSync(fresh, dst);
  fs.rmSync(old, { recursive: true, force: true });
  return dst;
}

/** Stops sshd and every process of a host's namespace, then removes the host directory. */
async function removeHost(root: string, ip: string): Promise<void> {
  await stopSshd(root, ip, "SIGTERM");
  await destroyNamespace(root, ip);
  fs.rmSync(hostDir(root, ip), { recursive: true, force: true });
}

/** Removes hosts a topology change dropped (after their engines went down); fails on any trace left. */
async function removeHosts(root: string, hosts: LabHost[]): Promise<void> {
  const ips = hosts.map((h) => h.ip);
  await Promise.all(ips.map((ip) => removeHost(root, ip)));
  const left = hostLeftovers(root, ips);
  if (left.length) throw new Error(`removed hosts left traces: ${left.join("; ")}`);
}

/** What `up` settles on before it touches a host: the topology, each openGauss cluster's OM release. */
interface UpPlan {
  nodes: number;
  pairs: number;
  portBase: number;
  engines: LabEngine[];
  sshPort: number;
  clusters: LabClusterSpec[];
  hosts: LabHost[];
  omReleases: Record<string, string>;
}

/** Fails when an existing lab was brought up on another net or with other privileges. */
function assertCompatible(root: string, prev: LabState | undefined, net: number, asRoot: boolean): void {
  if (prev && prev.net !== net) {
    throw new Error(
      `the lab at ${root} uses HADR_LAB_NET=${prev.net}; run \`lab down\` first or set HADR_LAB_NET`,
    );
  }
  if (prev && prev.asRoot !== asRoot) {
    throw new Error(
      `the lab at ${root} was brought up ${prev.asRoot ? "as root" : "without root"}; run lab down first`,
    );
  }
}

/** The options of this `up` over what the previous one kept (an option left out keeps its old value). */
function planUp(env: LabEnv, prev: LabState | undefined, opts: UpOptions): UpPlan {
  const { root, net, asRoot } = env;
  const nodes = opts.nodes ?? prev?.nodes ?? DEFAULT_NODES;
  const pairs = opts.pairs ?? prev?.pairs ?? DEFAULT_PAIRS;
  const portBase = opts.portBase ?? prev?.portBase ?? DEFAULT_PORT_BASE;
  if (!Number.isInteger(portBase) || portBase < 1024 || portBase > 65000) {
    throw new Error(`--port-base must be an integer 1024..65000, got ${portBase}`);
  }
  const sshPort = sshPortFor(asRoot);
  const clusters = topology({ root, net, nodes, pairs, sshPort });
  const ogNames = clusters.filter((c) => c.engine === "opengauss").map((c) => c.name);
  const omReleases: Record<string, string> = {};
  for (const c of ogNames) omReleases[c] = prev?.outputs[c]?.omVersion ?? DEFAULT_OM_RELEASE;
  if (opts.omVersion !== undefined) Object.assign(omReleases, parseOmVersionOption(opts.omVersion, ogNames));
  const engines = opts.engines ?? [...ALL_ENGINES];
  return { nodes, pairs, portBase, engines, sshPort, clusters, hosts: allHosts(clusters), omReleases };
}

/** Runs the provisioners' `down` on clusters, reporting (not throwing) each failure. */
async function provisionersDown(
  ctx: LabContext,
  clusters: LabClusterSpec[],
  onError: (message: string) => void,
): Promise<void> {
  for (const c of clusters) {
    try {
      await PROVISIONERS[c.engine].down(ctx, c);
    } catch (e) {
      onError(`${c.name}: provisioner down failed: ${(e as Error).message}`);
    }
  }
}

/**
 * Tears down what the new topology no longer has: every engine when the node count or port base changed (hosts
 * the new topology lacks are removed), only the dropped pairs' clusters when the pair count changed. Returns the
 * provisioners' outputs that still hold.
 */
async function reshape(
  env: LabEnv,
  prev: LabState,
  plan: UpPlan,
  stage: (name: string) => void,
): Promise<LabState["outputs"]> {
  const { root, log } = env;
  if (prev.nodes !== plan.nodes || prev.portBase !== plan.portBase) {
    log(
      `topology changed (nodes ${prev.nodes}→${plan.nodes}, portBase ${prev.portBase}→${plan.portBase}): rebuilding engines`,
    );
    await provisionersDown(makeContext(prev, log), clustersOf(prev), log);
    const keep = new Set(plan.hosts.map((h) => h.ip));
    await removeHosts(
      root,
      allHosts(clustersOf(prev)).filter((h) => !keep.has(h.ip)),
    );
    stage("topology change");
    return {};
  }
  if (prev.pairs === plan.pairs) return prev.outputs;
  // only the clusters of the dropped pairs go (the others keep their engines and any DR state)
  const names = new Set(plan.clusters.map((c) => c.name));
  const gone = clustersOf(prev).filter((c) => !names.has(c.name));
  log(
    `pairs changed (${prev.pairs}→${plan.pairs})${gone.length ? `: removing clusters ${gone.map((c) => c.name).join(", ")}` : ""}`,
  );
  await provisionersDown(makeContext(prev, log), gone, log);
  const outputs = { ...prev.outputs };
  for (const c of gone) delete outputs[c.name];
  await removeHosts(root, allHosts(gone));
  stage("pairs change");
  return outputs;
}

/** The lab's OS users (created as root; the current user stands in for them otherwise). */
async function labUsers(env: LabEnv): Promise<{ users: LabState["users"]; clusterGid: number | undefined }> {
  if (env.asRoot) {
    const users = await ensureUsers();
    const clusterGid = groupId(LAB_GROUP);
    await ensureSudoers();
    ensureRunSshd();
    registerLab(env.root);
    return { users, clusterGid };
  }
  const users = currentUserAsLabUsers();
  env.log(
    `unprivileged lab: sshd on port 2222, ${users.omm.name} stands in for omm and kingbase, hosts share the ` +
      "machine's /home, /etc/cron.d and /dev/shm (each host's HOME is <root>/hosts/<ip>/fs/home/<user>; " +
      "ssh between hosts needs `ssh -F $HOME/.ssh/config`), no root login, no sudo. " +
      "For the full lab run it as root: sudo -E npm run lab -- up",
  );
  return { users, clusterGid: undefined };
}

/** Every host's file tree, authorized keys, namespace (as root) and sshd, started or reloaded when changed. */
async function startHosts(
  state: LabState,
  plan: UpPlan,
  keys: { client: string; cluster: string },
): Promise<void> {
  const { root, asRoot, users } = state;
  const client = readPublicKey(`${keys.client}.pub`);
  const cluster = readPublicKey(`${keys.cluster}.pub`);
  const clientLine = `${client.type} ${client.blob} pulumi-hadr-lab-client`;
  const clusterLine = `${cluster.type} ${cluster.blob} pulumi-hadr-lab-cluster`;
  const sshCfg = sshClientConfig(state);
  await Promise.all(
    plan.hosts.map(async (h) => {
      prepareHostFs(state, h, sshCfg);
      const logins = loginUsers(state, plan.clusters, h);
      const ak: Record<string, string[]> = {};
      for (const u of logins) ak[u] = u === "root" ? [clientLine] : [clientLine, clusterLine];
      writeAuthorizedKeys(root, h.ip, ak);
      const changed = writeSshdConfig({
        root,
        host: h,
        allowUsers: logins,
        rootLogin: logins.includes("root"),
        home: asRoot ? undefined : path.join(hostFsDirs(h.fsRoot).home, users.omm.name),
      });
      if (asRoot) {
        const holderWasUp = holderPid(root, h.ip) !== undefined;
        if (!holderWasUp) await stopSshd(root, h.ip); // an sshd in a lost namespace would see the wrong /home
        await ensureNamespace(root, h);
      }
      const s = await startSshd(root, h, asRoot);
      if (!s.started && changed) await reloadSshd(root, h);
    }),
  );
}

/**
 * Runs the selected engines' provisioners (engines side by side, an engine's clusters in turn) and records each
 * cluster's outputs in state; returns the failures, one line per cluster.
 */
async function provision(state: LabState, plan: UpPlan, log: (m: string) => void): Promise<string[]> {
  const ctx = { ...makeContext(state, log), omReleases: plan.omReleases };
  const errors: string[] = [];
  await Promise.all(
    plan.engines.map(async (engine) => {
      for (const c of plan.clusters.filter((x) => x.engine === engine)) {
        const t0 = Date.now();
        try {
          state.outputs[c.name] = await PROVISIONERS[engine].up(ctx, c);
          log(`provisioner ${engine} cluster ${c.name}: ${((Date.now() - t0) / 1000).toFixed(2)}s`);
        } catch (e) {
          delete state.outputs[c.name];
          errors.push(`${engine} (cluster ${c.name}): ${(e as Error).message}`);
        }
      }
    }),
  );
  return errors;
}

/**
 * Brings the lab up (idempotent): packages, users, keys, per-host namespaces and sshd, tools copy, then the
 * selected engines' provisioners. Writes state.json and lab.json and returns the LabInfo.
 * Fails with a provisioner's message when one throws (after recording what did succeed).
 */
export async function labUp(env: LabEnv, opts: UpOptions = {}): Promise<{ info: LabInfo; path: string }> {
  const { root, net, asRoot, log } = env;
  const t = stageTimer(log);
  fs.mkdirSync(root, { recursive: true, mode: 0o755 });
  fs.chmodSync(root, 0o755);
  const release = await acquireLock(root);
  try {
    await ensurePackages(asRoot, log);
    t.stage("packages");

    const prev = readState(root);
    assertCompatible(root, prev, net, asRoot);
    const plan = planUp(env, prev, opts);
    if (prev) for (const l of await restoreAllSites(root, net, clustersOf(prev))) log(l);
    const outputs = prev ? await reshape(env, prev, plan, t.stage) : {};

    const { users, clusterGid } = await labUsers(env);
    const { nodes, pairs, portBase, sshPort } = plan;
    const state: LabState = {
      version: 1,
      root,
      net,
      nodes,
      pairs,
      portBase,
      asRoot,
      sshPort,
      users,
      outputs,
    };
    writeState(state);
    t.stage("users");

    const k = await ensureLabKeys(root, clusterGid);
    const hostPubs = await Promise.all(plan.hosts.map((h) => ensureHostKey(root, h)));
    writeKnownHosts(
      k.knownHosts,
      plan.hosts.map((host, i) => ({ host, publicKey: hostPubs[i]! })),
    );
    t.stage("keys");

    await startHosts(state, plan, k);
    t.stage(`hosts+sshd (${plan.hosts.length})`);

    copyTools(root);
    t.stage("tools");

    const errors = await provision(state, plan, log);
    writeState(state);
    const info = buildLabInfo(state, plan.clusters, {
      clientKeyPath: k.client,
      clusterKeyPath: k.cluster,
      knownHostsPath: k.knownHosts,
      toolsDir: toolsDirOf(root),
    });
    const file = writeLabInfo(info);
    t.stage("provisioners");
    t.total("lab up");
    if (errors.length) throw new Error(`provisioner failed: ${errors.join("; ")}`);
    return { info, path: file };
  } finally {
    release();
  }
}

/**
 * Removes every trace of the lab: provisioners' processes, every process of every host namespace, sshd,
 * the lab root; and, when no other lab is registered on the machine, the users, their group, the sudoers
 * drop-in and the registry. Returns notes about what could not be removed, and every trace still left afterwards
 * (core/leftovers.ts): `lab down` exits non-zero on any.
 */
export async function labDown(env: LabEnv): Promise<string[]> {
  const { root, asRoot, log } = env;
  const t = stageTimer(log);
  const notes: string[] = [];
  let ips: string[] = [];
  if (!fs.existsSync(root)) {
    log(`no lab at ${root}`);
  } else {
    const release = await acquireLock(root);
    try {
      const state = readState(root);
      if (state) {
        for (const l of await restoreAllSites(root, state.net, clustersOf(state))) log(l);
        for (const l of await removeJump(state)) log(l);
        await provisionersDown(makeContext(state, log), clustersOf(state), (m) => notes.push(m));
        t.stage("provisioners down");
      }
      try {
        ips = fs.readdirSync(path.join(root, "hosts"));
      } catch {
        /* no hosts */
      }
      await Promise.all(ips.map((ip) => removeHost(root, ip)));
      t.stage(`hosts (${ips.length})`);
      fs.rmSync(root, { recursive: true, force: true });
    } finally {
      release();
    }
  }
  let machineWide = false;
  if (asRoot) {
    const others = unregisterLab(root);
    if (others.length) {
      log(`keeping users, group and sudoers: still used by the lab(s) at ${others.join(", ")}`);
    } else {
      notes.push(...(await removeUsers()));
      removeRegistry();
      machineWide = true;
    }
  }
  notes.push(...labLeftovers(root, ips, machineWide));
  t.total("lab down");
  return notes;
}

/** Loads the state of an existing lab or fails with a hint. */
function requireState(root: string): LabState {
  const s = readState(root);
  if (!s) throw new Error(`no lab at ${root} (run \`npm run lab -- up\`)`);
  return s;
}

/** One line per host (sshd up/down) plus the provisioners' lines. */
export async function labStatus(env: LabEnv): Promise<string[]> {
  const state = requireState(env.root);
  const clusters = clustersOf(state);
  const ctx = makeContext(state, env.log);
  const lines: string[] = [
    `lab ${state.root} (net ${state.net}, nodes ${state.nodes}, pairs ${state.pairs}, portBase ${state.portBase})`,
  ];
  const down = readSites(state.root);
  for (const c of clusters) {
    const provisioned = state.outputs[c.name] !== undefined;
    const site = down[c.name] ? ` — SITE DOWN since ${down[c.name]!.at} (site-up ${c.name} or reset)` : "";
    lines.push(`cluster ${c.name} (${c.engine})${provisioned ? "" : " — not provisioned"}${site}`);
    let hostsDown = 0;
    for (const h of c.hosts) {
      const pid = sshdPid(state.root, h.ip);
      const ns = state.asRoot ? (holderPid(state.root, h.ip) !== undefined ? " ns up" : " ns DOWN") : "";
      const rec = Object.values(down).find((r) => r.host === h.ip);
      if (rec) hostsDown++;
      const off = rec ? ` — HOST DOWN since ${rec.at} (host-up ${h.name} or reset)` : "";
      lines.push(
        `  ${h.name.padEnd(6)} ${h.ip}:${h.sshPort} sshd ${pid !== undefined ? `up (pid ${pid})` : "down"}${ns} ${h.hostKeyFingerprint}${off}`,
      );
    }
    if (provisioned && !site && hostsDown < c.hosts.length) {
      try {
        for (const l of await PROVISIONERS[c.engine].status(ctx, c)) lines.push(`  ${l}`);
      } catch (e) {
        lines.push(`  status failed: ${(e as Error).message}`);
      }
    }
  }
  return lines;
}

/** Restarts every stopped sshd (and lost namespace), then calls every provisioned engine's `reset`. */
export async function labReset(env: LabEnv): Promise<string[]> {
  const state = requireState(env.root);
  const release = await acquireLock(env.root);
  try {
    const clusters = clustersOf(state);
    const lines: string[] = await restoreAllSites(state.root, state.net, clusters);
    lines.push(...(await removeJump(state)));
    await Promise.all(
      allHosts(clusters).map(async (h) => {
        if (state.asRoot && holderPid(state.root, h.ip) === undefined) {
          await stopSshd(state.root, h.ip);
          await ensureNamespace(state.root, h);
          lines.push(`${h.ip}: namespace recreated`);
        }
        const s = await startSshd(state.root, h, state.asRoot);
        if (s.started) lines.push(`${h.ip}: sshd restarted (pid ${s.pid})`);
      }),
    );
    const ctx = makeContext(state, env.log);
    const errors: string[] = [];
    for (const c of clusters) {
      if (state.outputs[c.name] === undefined) continue;
      try {
        await PROVISIONERS[c.engine].reset(ctx, c);
        lines.push(`${c.name}: reset`);
      } catch (e) {
        errors.push(`${c.name}: ${(e as Error).message}`);
      }
    }
    if (errors.length) throw new Error(`reset failed: ${errors.join("; ")}`);
    return lines;
  } finally {
    release();
  }
}

/**
 * `lab jump on <cluster>`: the jump host `jump1` up (sshd, login `omm` with the client key) and the firewall
 * that refuses every other way to the cluster's sshd (core/jump.ts). Idempotent; a second `on` with another
 * cluster moves the firewall. Returns what was set up.
 */
export async function labJumpOn(env: LabEnv, cluster: string | undefined): Promise<JumpInfo> {
  const state = requireState(env.root);
  if (!state.asRoot) throw new Error("lab jump needs root (its own namespace, port 22 and a firewall rule)");
  const clusters = clustersOf(state);
  const c = clusters.find((x) => x.name === cluster);
  if (!c) throw new Error(`usage: lab jump on <cluster> (one of ${clusters.map((x) => x.name).join(", ")})`);
  await ensurePackages(true, env.log, ["nftables"]);
  const release = await acquireLock(env.root);
  try {
    const host = jumpHost(state.root, state.net, state.sshPort);
    await ensureHostKey(state.root, host);
    prepareHostFs(state, host, sshClientConfig(state));
    const client = readPublicKey(`${keyPaths(state.root).client}.pub`);
    const user = state.users.omm.name;
    writeAuthorizedKeys(state.root, host.ip, {
      [user]: [`${client.type} ${client.blob} pulumi-hadr-lab-client`],
    });
    const changed = writeSshdConfig({ root: state.root, host, allowUsers: [user], rootLogin: false });
    if (holderPid(state.root, host.ip) === undefined) await stopSshd(state.root, host.ip);
    await ensureNamespace(state.root, host);
    const s = await startSshd(state.root, host, true);
    if (!s.started && changed) await reloadSshd(state.root, host);
    const info: JumpInfo = {
      ip: host.ip,
      name: host.name,
      sshPort: host.sshPort,
      user,
      hostKey: fingerprintOfFile(`${hostKeyPath(state.root, host.ip)}.pub`),
      behind: c.name,
      guarded: c.hosts.map((h) => h.ip),
      table: firewallTable(state.net),
    };
    writeJump(state.root, info); // recorded before the rule, so reset/down undo a half-done `on`
    await firewallOn(
      firewallScript(info.table, info.guarded, state.sshPort, [
        state.users.omm.uid,
        state.users.kingbase.uid,
      ]),
    );
    return info;
  } finally {
    release();
  }
}

/** `lab jump off`: the firewall gone, the jump host removed. Returns what it did. */
export async function labJumpOff(env: LabEnv): Promise<string[]> {
  const state = requireState(env.root);
  const release = await acquireLock(env.root);
  try {
    return await removeJump(state);
  } finally {
    release();
  }
}

/** Removes the firewall table (also one left by a crash) and the jump host; part of reset and down. */
async function removeJump(state: LabState): Promise<string[]> {
  const lines: string[] = [];
  const rec = readJump(state.root);
  if (await firewallOff(firewallTable(state.net))) lines.push(`firewall ${firewallTable(state.net)} removed`);
  const host = jumpHost(state.root, state.net, state.sshPort);
  if (rec || fs.existsSync(hostDir(state.root, host.ip))) {
    await removeHost(state.root, host.ip);
    lines.push(`jump host ${host.ip} removed`);
  }
  writeJump(state.root, undefined);
  return lines;
}

/** Injects a fault (see faults.ts); returns its description. */
export async function labFault(env: LabEnv, name: string, args: string[]): Promise<string> {
  const state = requireState(env.root);
  const release = await acquireLock(env.root);
  try {
    const clusters = clustersOf(state);
    const provisioned = clusters.filter((c) => state.outputs[c.name] !== undefined);
    const engines = [...new Set(provisioned.map((c) => c.engine))];
    return await injectFault(
      makeContext(state, env.log),
      clusters,
      engines.map((e) => PROVISIONERS[e]),
      name,
      args,
    );
  } finally {
    release();
  }
}

/**
 * Switches openGauss clusters to another emulated OM release on the running lab (`lab om-version`), without
 * re-provisioning: rewrites version.cfg and the env file on every host (opengauss/provision.ts) and
 * records the release in state.json and lab.json. `value` as `--om-version`. Returns what it did.
 */
export async function labSetOmVersion(env: LabEnv, value: string): Promise<string[]> {
  const state = requireState(env.root);
  const release = await acquireLock(env.root);
  try {
    const clusters = clustersOf(state).filter(
      (c) => c.engine === "opengauss" && state.outputs[c.name] !== undefined,
    );
    const wanted = parseOmVersionOption(
      value,
      clusters.map((c) => c.name),
    );
    const ctx = makeContext(state, env.log);
    const lines: string[] = [];
    for (const c of clusters) {
      const r = wanted[c.name];
      if (r === undefined) continue;
      await setOmRelease(ctx, c, r);
      state.outputs[c.name]!.omVersion = r;
      lines.push(`${c.name}: OM release ${r} (${versionCfg(r).split("\n")[0]})`);
    }
    writeState(state);
    const k = keyPaths(state.root);
    writeLabInfo(
      buildLabInfo(state, clustersOf(state), {
        clientKeyPath: k.client,
        clusterKeyPath: k.cluster,
        knownHostsPath: k.knownHosts,
        toolsDir: toolsDirOf(state.root),
      }),
    );
    return lines;
  } finally {
    release();
  }
}

/** Runs a command inside a host as `user` (debugging aid). */
export async function labExec(env: LabEnv, ip: string, user: string, script: string): Promise<LabRunResult> {
  const state = requireState(env.root);
  const host = allHosts(clustersOf(state)).find((h) => h.ip === ip || h.name === ip);
  if (!host) throw new Error(`${ip} is not a host of this lab`);
  return makeContext(state, env.log).run(host, user, script, { timeoutMs: 600_000 });
}
