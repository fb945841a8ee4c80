/**
 * KingbaseES nodes on the fake fleet (`../support/fakeRemote`): each host has files (exact bytes, owner, mode),
 * daemons by pid file, and answers the transport's file reads and compare-and-swap writes, the policy's
 * daemon probes and restarts, and its read-only tool outputs, as a real node would.
 */
import { createHash } from "node:crypto";
import { type PolicyFleet, policyFleet } from "../../../provider/engines/kingbase/remote";
import type { PolicySpec } from "../../../provider/engines/kingbase/schema";
import type { FakeHost, FakeRemote, Reply } from "../support/fakeRemote";
import { fixture } from "./fixtures";

/** One file on a fake node. */
export interface FakeFile {
  text: string;
  uid: number;
  gid: number;
  mode: string;
  mtimeSec: number;
}

/** What happened to a node's daemons, in order (`kill <pidFile>`, `start kbha`). */
export type DaemonEvent = string;

const sha = (t: string) => createHash("sha256").update(Buffer.from(t, "utf8")).digest("hex");

/** The script of `sh -c '<script>'` (optionally behind `sudo -n`), unquoted; null for anything else. */
function scriptOf(command: string): { sudo: boolean; script: string } | null {
  const m = /^(sudo -n )?sh -c '([\s\S]*)'$/.exec(command);
  return m ? { sudo: m[1] !== undefined, script: m[2]!.replace(/'"'"'/g, "'") } : null;
}

/** A path as shellQuote wrote it, back to the path. */
const unquote = (p: string) => (p.startsWith("'") ? p.slice(1, -1).replace(/'"'"'/g, "'") : p);

/** One KingbaseES node on a fake host. */
export class FakeNode {
  readonly files = new Map<string, FakeFile>();
  /** Running daemons: pid file → pid and start time in epoch seconds (absent: not running). */
  readonly daemons = new Map<string, { pid: number; startSec: number }>();
  readonly events: DaemonEvent[] = [];
  /** Outputs of read-only tools by the start of their command line (e.g. `'…/repmgr' -f`). */
  readonly outputs = new Map<string, string>();
  /** When set, kbha does not start repmgrd again after a kill (a daemon that does not come back). */
  repmgrdStaysDown = false;
  /** Writes to these paths fail as a full disk does (exit 1). */
  readonly failWrites = new Set<string>();
  private nextPid = 5000;
  /** The node's clock (epoch seconds): every write and daemon start is one tick later. */
  private clock = 1_700_000_100;
  /** Which logins may read root-owned files: a `sudo -n` read by others is refused unless set. */
  sudo = true;

  constructor(readonly host: FakeHost) {
    host.on((cmd, ch) => this.answer(cmd, ch.stdin));
  }

  /** Puts a file (as the cluster user, 0644 unless given). */
  put(path: string, text: string, over: Partial<FakeFile> = {}): this {
    const f = { text, uid: 1000, gid: 1000, mode: "644", mtimeSec: 1_700_000_000, ...over };
    this.files.set(path, f);
    this.clock = Math.max(this.clock, f.mtimeSec); // what happens later happens after this file changed
    return this;
  }

  /** The text of a file now (undefined when missing). */
  text(path: string): string | undefined {
    return this.files.get(path)?.text;
  }

  /** Starts a daemon (records its pid under `pidFile`). */
  run(pidFile: string): number {
    const pid = this.nextPid++;
    this.daemons.set(pidFile, { pid, startSec: ++this.clock });
    return pid;
  }

  private async answer(cmd: string, stdin: () => Promise<string>): Promise<Reply | undefined> {
    const out = /^'?([^' ]+)'? (.*) 2>\/dev\/null$/.exec(cmd);
    if (out) {
      const line = `${out[1]} ${out[2]}`;
      for (const [prefix, text] of this.outputs) if (line.startsWith(prefix)) return { stdout: text };
      const tail = /^tail -n \d+ (\S+)$/.exec(line);
      if (tail) {
        const f = this.files.get(unquote(tail[1]!));
        return f ? { stdout: f.text } : { code: 1 };
      }
      return { code: 127 };
    }
    const kill0 = /^kill -0 (\d+)$/.exec(cmd);
    if (kill0) return { code: [...this.daemons.values()].some((d) => d.pid === Number(kill0[1])) ? 0 : 1 };
    const test = /^test -e (\S+)$/.exec(cmd);
    if (test) return { code: this.files.has(unquote(test[1]!)) ? 0 : 1 };
    const s = scriptOf(cmd);
    if (!s) return undefined;
    if (s.sudo && !this.sudo) return { code: 1, stderr: "sudo: a password is required" };
    if (s.script.includes("@@HADR-FILE@@")) return { stdout: this.read(s.script) };
    if (s.script.includes('base64 -d > "$t"')) return this.write(s.script, await stdin());
    const rm = /^(.*) && rm -f (\S+)$/.exec(s.script);
    if (rm) return this.remove(rm[1]!, unquote(rm[2]!));
    if (s.script.includes("-A daemon -f")) return this.restartKbha(s.script);
    const kill = /^p=\$\(cat (\S+) 2>\/dev\/null \| head -1\); \[ -n "\$p" \] && kill "\$p"/.exec(s.script);
    if (kill) return this.kill(unquote(kill[1]!));
    const probe = /^p=\$\(cat (\S+) 2>\/dev\/null \| head -1\); if/.exec(s.script);
    if (probe) {
      const d = this.daemons.get(unquote(probe[1]!));
      return { stdout: d === undefined ? "none\n" : `${d.pid} ${d.startSec}\n` };
    }
    return undefined;
  }

  private read(script: string): string {
    const paths = [...script.matchAll(/if \[ -e (\S+) \]/g)].map((m) => unquote(m[1]!));
    return paths
      .map((p) => {
        const f = this.files.get(p);
        if (!f) return "@@HADR-FILE@@\nmissing\n";
        const b64 = Buffer.from(f.text, "utf8").toString("base64");
        return `@@HADR-FILE@@\n${f.uid} ${f.gid} ${f.mode} ${f.mtimeSec}\n${b64}\n`;
      })
      .join("");
  }

  private guardHolds(guard: string, path: string): boolean {
    const cur = this.files.get(path);
    if (guard === "true") return true;
    if (/^\[ ! -e /.test(guard)) return cur === undefined;
    const want = /= ([0-9a-f]{64}) \]/.exec(guard)?.[1];
    return cur !== undefined && sha(cur.text) === want;
  }

  private write(script: string, stdin: string): Reply {
    const lines = script.split("\n");
    const path = unquote(/mv -f "\$t" (\S+)$/m.exec(script)![1]!);
    if (!this.guardHolds(lines[1]!.replace(/ \|\| \{.*$/, ""), path))
      return { code: 3, stdout: "changed-underneath\n" };
    if (this.failWrites.has(path)) return { code: 1, stderr: "No space left on device" };
    const old = this.files.get(path);
    this.put(path, Buffer.from(stdin, "base64").toString("utf8"), {
      ...(old ? { uid: old.uid, gid: old.gid, mode: old.mode } : {}),
      mtimeSec: ++this.clock,
    });
    return { code: 0 };
  }

  private remove(guard: string, path: string): Reply {
    if (!this.guardHolds(guard, path)) return { code: 1 };
    this.files.delete(path);
    return { code: 0 };
  }

  private kill(pidFile: string): Reply {
    this.events.push(`kill ${pidFile}`);
    this.daemons.delete(pidFile);
    // kbha starts repmgrd again within seconds (here at once) unless staged otherwise
    if (/hamgrd\.pid$/.test(pidFile) && !this.repmgrdStaysDown) this.run(pidFile);
    return { code: 0 };
  }

  private restartKbha(script: string): Reply {
    const pidFile = unquote(/^p=\$\(cat (\S+) /.exec(script)![1]!);
    this.kill(pidFile);
    this.events.push("start kbha");
    this.run(pidFile);
    return { code: 0 };
  }
}

/** Fake nodes at `hosts` on `remote`. */
export function fakeNodes(remote: FakeRemote, hosts: string[]): Map<string, FakeNode> {
  return new Map(hosts.map((h) => [h, new FakeNode(remote.host(h))] as const));
}

/** The V8R6 vendor layout the fixtures use. */
export const R6 = {
  conf: "/home/kingbase/cluster/R6HA/kingbase/etc/repmgr.conf",
  repmgrd: "/home/kingbase/cluster/R6HA/kingbase/etc/hamgrd.pid",
  kbha: "/home/kingbase/cluster/R6HA/kingbase/etc/kbha.pid",
  repmgr: "/home/kingbase/cluster/R6HA/kingbase/bin/repmgr",
};

/**
 * A policy's fleet over fake nodes: the production {@link PolicyFleet} routing (which login reads what) with
 * its connections on `remote`.
 */
export function fakePolicyFleet(remote: FakeRemote, args: PolicySpec): PolicyFleet {
  const real = policyFleet(args);
  const logins = args.nodes.flatMap((n) => [real.userKey(n.host), real.rootRoute(n.host).key]);
  void real.fleet.close();
  return { ...real, fleet: remote.fleet([...new Set(logins)]) };
}

/**
 * V8R6 nodes from the vendor fixture (recovery='standby' unless `recovery` says otherwise per host), repmgrd
 * and kbha running since before the file last changed, and `repmgr cluster show` answering.
 */
export function v8r6Nodes(remote: FakeRemote, hosts: string[], recovery: Record<string, string> = {}) {
  const nodes = fakeNodes(remote, hosts);
  for (const [h, n] of nodes) {
    let conf = fixture("v8r6/repmgr.conf").replace("host=127.0.4.1", `host=${h}`);
    if (recovery[h]) conf = conf.replace("\nrecovery='standby'", `\nrecovery='${recovery[h]}'`);
    n.put(R6.conf, conf);
    n.run(R6.repmgrd);
    n.run(R6.kbha);
    n.outputs.set(`${R6.repmgr} -f ${R6.conf} cluster show`, fixture("v8r6/cluster-show.txt"));
  }
  return nodes;
}
