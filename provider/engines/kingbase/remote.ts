/**
 * The KingbaseES policy's remote side: read every node's files and daemon facts in parallel (one
 * connection per login), apply planned file writes atomically, restart the V8R6 daemons.
 */

import { transportAuth } from "../../config/route";
import type { SshSettings } from "../../config/ssh";
import { HadrError, RemoteCommandError, StateError } from "../../errors";
import { Fleet, fleetOf } from "../../transport/fleet";
import { shellQuote } from "../../transport/redact";
import { type FileAccess, readRemoteFiles, sha256Of, writeRemoteFile } from "../../transport/remoteFiles";
import type { SshSession, SshTarget } from "../../transport/ssh";
import { waitFor } from "../../transport/wait";
import type { FileWrite } from "./plan";
import { type PolicySpec, rootSshSettings } from "./schema";
import type { DaemonFacts, NodeSnapshot } from "./snapshot";
import { type NodeReader, versionOf } from "./versions";
import { resolveV8r6Paths, type V8r6PolicySpec } from "./versions/v8r6";

/** Per-command deadline for reads and writes. */
const IO_TIMEOUT_MS = 30_000;

/** How to reach each node: the cluster-user login and, for V8R3 root-ssh, the root login. */
export interface PolicyFleet {
  fleet: Fleet;
  userKey(host: string): string;
  /** Login and access mode for root-owned files. */
  rootRoute(host: string): { key: string; access: FileAccess };
}

function targetOf(host: string, ssh: SshSettings, user: string): SshTarget {
  return {
    host,
    port: ssh.port,
    username: user,
    ...transportAuth(ssh),
    hostKey: ssh.hostKeys[host],
    insecure: ssh.insecure,
    connectTimeoutMs: ssh.connectTimeoutSeconds * 1000,
  };
}

/** Builds the fleet for a policy: every node's user login, plus root logins where `rootAccess` is root-ssh. */
export function policyFleet(args: PolicySpec): PolicyFleet {
  const targets: SshTarget[] = [];
  const users = new Map<string, string>();
  const roots = new Map<string, { key: string; access: FileAccess }>();
  for (const n of args.nodes) {
    const t = targetOf(n.host, n.ssh, n.ssh.user);
    targets.push(t);
    users.set(n.host, Fleet.key(t));
    if (versionOf(args.engine).needsRootAccess && n.rootAccess === "root-ssh") {
      const root = rootSshSettings(n)!;
      const rt = targetOf(n.host, root, root.user ?? "root");
      targets.push(rt);
      roots.set(n.host, { key: Fleet.key(rt), access: "user" });
    } else {
      roots.set(n.host, { key: Fleet.key(t), access: "sudo" });
    }
  }
  return {
    fleet: fleetOf(targets, []),
    userKey: (h) => users.get(h)!,
    rootRoute: (h) => roots.get(h)!,
  };
}

async function daemonFacts(pf: PolicyFleet, host: string, pidFile: string): Promise<DaemonFacts> {
  const s = await pf.fleet.session(pf.userKey(host));
  const script = `p=$(cat ${shellQuote(pidFile)} 2>/dev/null | head -1); if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then echo "$p $(date -d "$(ps -o lstart= -p "$p")" +%s)"; else echo none; fi`;
  const out = (
    await s.run(`sh -c ${shellQuote(script)}`, { timeoutMs: IO_TIMEOUT_MS, step: "read daemon" })
  ).trim();
  if (out === "none") return { pid: null, startTimeMs: null };
  const [pid, start] = out.split(" ");
  return { pid: Number(pid), startTimeMs: Number(start) * 1000 };
}

/** Reads one node (what to read is the version's; how, over SSH, is here). Errors are typed and name the node. */
export async function readSnapshot(pf: PolicyFleet, args: PolicySpec, host: string): Promise<NodeSnapshot> {
  const version = versionOf(args.engine);
  const user = await pf.fleet.session(pf.userKey(host));
  const route = pf.rootRoute(host);
  const root = version.needsRootAccess ? await pf.fleet.session(route.key) : user;
  const io: NodeReader = {
    userFiles: (paths) => readRemoteFiles(user, paths, { timeoutMs: IO_TIMEOUT_MS }),
    rootFiles: (paths, step) =>
      readRemoteFiles(root, paths, { access: route.access, timeoutMs: IO_TIMEOUT_MS, step }).catch(
        (e: unknown) => {
          throw rootAccessError(e, host, route.access);
        },
      ),
    pidAlive: async (pid) => (await user.exec(`kill -0 ${pid}`, { timeoutMs: IO_TIMEOUT_MS })).code === 0,
    daemon: (pidFile) => daemonFacts(pf, host, pidFile),
    otherVersionFile: () => otherEngineFile(user, versionOf(version.otherEngine).defaultMainFile),
    output: async (argv, step, okCodes = [0]) => {
      const r = await user.exec(`${argv.map(shellQuote).join(" ")} 2>/dev/null`, {
        timeoutMs: IO_TIMEOUT_MS,
        step,
      });
      return r.code !== null && okCodes.includes(r.code) ? r.stdout : null;
    },
  };
  return version.readSnapshot(io, args, host);
}

async function otherEngineFile(user: SshSession, path: string): Promise<string | undefined> {
  const r = await user.exec(`test -e ${shellQuote(path)}`, {
    timeoutMs: IO_TIMEOUT_MS,
    step: "probe engine",
  });
  return r.code === 0 ? path : undefined;
}

function rootAccessError(e: unknown, host: string, access: FileAccess): HadrError {
  if (access === "sudo" && e instanceof RemoteCommandError && /sudo|password/i.test(e.message)) {
    return new StateError(
      `\`sudo -n\` is refused for the cluster user on ${host}, so the root-owned cron file cannot be read`,
      {
        where: { node: host, step: "read cron file" },
        hint: 'Grant the cluster user passwordless sudo for this file, or set rootAccess: "root-ssh" with a root login (rootSsh).',
      },
    );
  }
  return e instanceof HadrError ? e : new StateError(String(e), { where: { node: host } });
}

/** Reads every node in parallel; the first failure (by node order) is thrown after all finished. */
export async function readSnapshots(pf: PolicyFleet, args: PolicySpec): Promise<NodeSnapshot[]> {
  const outcomes = await Promise.all(
    args.nodes.map((n) =>
      readSnapshot(pf, args, n.host).then(
        (s) => ({ ok: true as const, s }),
        (e: unknown) => ({ ok: false as const, e }),
      ),
    ),
  );
  const bad = outcomes.find((o) => !o.ok);
  if (bad && !bad.ok) throw bad.e;
  return outcomes.map((o) => (o as { s: NodeSnapshot }).s);
}

/** Writes one planned file (compare-and-swap on the text it was planned from). */
export async function applyWrite(pf: PolicyFleet, w: FileWrite): Promise<void> {
  const route =
    w.access === "root" ? pf.rootRoute(w.host) : { key: pf.userKey(w.host), access: "user" as FileAccess };
  const s = await pf.fleet.session(route.key);
  if (w.text === null) {
    const guard =
      w.expected === null
        ? "true"
        : `[ "$(sha256sum ${shellQuote(w.path)} | cut -d' ' -f1)" = ${sha256Of(w.expected)} ]`;
    const cmd = `${route.access === "sudo" ? "sudo -n " : ""}sh -c ${shellQuote(`${guard} && rm -f ${shellQuote(w.path)}`)}`;
    await s.run(cmd, { timeoutMs: IO_TIMEOUT_MS, step: `remove ${w.path}` });
    return;
  }
  await writeRemoteFile(s, w.path, w.text, {
    access: route.access,
    expectSha256: w.expected === null ? "" : sha256Of(w.expected),
    timeoutMs: IO_TIMEOUT_MS,
    step: `write ${w.path}`,
  });
}

/**
 * V8R6: makes both daemons load the current repmgr.conf. kbha is restarted with the command its cron line
 * uses (cron would do the same within a minute), then repmgrd is stopped and kbha starts it again; both new
 * processes must be up within `waitMs`.
 */
export async function restartDaemons(
  pf: PolicyFleet,
  args: V8r6PolicySpec,
  host: string,
  waitMs = 20_000,
): Promise<void> {
  const p = resolveV8r6Paths(args.paths);
  const s = await pf.fleet.session(pf.userKey(host));
  const before = await daemonFacts(pf, host, p.repmgrdPidFile);
  const kill = (pidFile: string) =>
    `p=$(cat ${shellQuote(pidFile)} 2>/dev/null | head -1); [ -n "$p" ] && kill "$p" 2>/dev/null; for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; true`;
  const startKbha = `setsid nohup ${shellQuote(p.kbhaBin)} -A daemon -f ${shellQuote(p.repmgrConf)} >/dev/null 2>&1 < /dev/null &`;
  await s.run(`sh -c ${shellQuote(`${kill(p.kbhaPidFile)}; ${startKbha}`)}`, {
    timeoutMs: IO_TIMEOUT_MS,
    step: "restart kbha",
  });
  await s.run(`sh -c ${shellQuote(kill(p.repmgrdPidFile))}`, {
    timeoutMs: IO_TIMEOUT_MS,
    step: "restart repmgrd",
  });
  const w = await waitFor(
    () => Promise.all([daemonFacts(pf, host, p.repmgrdPidFile), daemonFacts(pf, host, p.kbhaPidFile)]),
    ([r, k]) => r.pid !== null && r.pid !== before.pid && k.pid !== null,
    { timeoutMs: waitMs, intervalMs: 500 },
  );
  if (!w.reached) {
    throw new StateError(`repmgrd/kbha did not come back within ${waitMs / 1000} s after the restart`, {
      where: { node: host, step: "restart daemons" },
      hint: "Check `repmgr service status` on the node; `sys_monitor.sh startlocal` starts them by hand. The next `pulumi up` restarts them again.",
    });
  }
}
