/**
 * The fixture pair (cluster A: oga1/oga2 at 127.0.1.1-2, B: ogb1/ogb2 at 127.0.2.1-2) on the fake fleet
 * (`../support/fakeRemote`): every node answers the observation's reads from the pair's state (recorded
 * `gs_om`/`gs_sdr query` outputs with the current `hadr_cluster_stat`), and the run nodes run gs_sdr as the
 * real one behaves to its caller: the password prompts on the PTY, a trace header, the state change on
 * success; they answer the plan's full reads (GUCs, pg_hba, CM settings, versions) as a pair never set up for
 * DR. Outcomes can be staged per run (an exit code with output, or a run that never ends).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Operation } from "../../../provider/engines/opengauss/decide";
import type { Ownership } from "../../../provider/engines/opengauss/observe";
import { type DrContext, drContext } from "../../../provider/engines/opengauss/remote";
import { validateDrRelationship } from "../../../provider/engines/opengauss/schema";
import { type Channel, type ExecRecord, FakeRemote, type Reply } from "../support/fakeRemote";
import { fingerprint, fixture, localReplConnInfo, PRIVATE_KEY } from "./fixtures";

/** The DR user's password of the fixture pair. */
export const PASSWORD = "Secret_2024#x";

/** The data-node hosts of each cluster, run node first. */
export const HOSTS: Record<string, string[]> = {
  A: ["127.0.1.1", "127.0.1.2"],
  B: ["127.0.2.1", "127.0.2.2"],
};

/** A gs_sdr lock trace id of ours (recorded in state) in the tests. */
export const OUR_TRACE = "ab".repeat(16);

/** What our runs are known by in the tests. */
export const OWN: Ownership = { traces: [OUR_TRACE], owner: "pulumi-hadr/dr/A/B" };

/** Sample operations on the pair, as decide() makes them (tests spread over them what differs). */
export const OPS = {
  start: {
    kind: "start",
    primary: "A",
    standby: "B",
    sides: ["primary", "standby"],
    resume: false,
    clearLocks: [],
  },
  failover: {
    kind: "failover",
    from: "A",
    to: "B",
    why: "A does not answer",
    resume: false,
    rpoSeconds: 3,
    fence: "A",
    clearLocks: [],
  },
  rebuild: {
    kind: "rebuild",
    stop: "A",
    primary: "B",
    standby: "A",
    forgetStartSteps: ["start_primary"],
    unfence: ["A"],
    clearLocks: [],
  },
} satisfies Record<string, Operation>;

/** One gs_sdr run as the fake saw it. */
export interface SdrSeen {
  cluster: string;
  host: string;
  task: string;
  mode?: string;
  trace: string;
  /** The gs_sdr command line inside our wrapper. */
  line: string;
  /** What the prompts were answered with. */
  answers: string[];
  record: ExecRecord;
}

/** One read command a node answered, by its batch key. */
export interface ReadSeen {
  cluster: string;
  host: string;
  key: string;
  command: string;
  record: ExecRecord;
}

/** The DN settings `gsql` shows on every node: a cluster never set up for DR. */
const SQL: Record<string, string> = {
  synchronous_commit: "remote_receive",
  most_available_sync: "off",
  wal_keep_segments: "128",
  stream_cluster_run_mode: "",
  enable_dcf: "off",
};

const ENV_PREFIX = /^\. \S+ >\/dev\/null 2>&1; /;
const SEGMENT = /echo @@HADR@@(\w+); \{ ([\s\S]*?) ; \} 2>&1(?=; echo @@HADR@@|$)/g;

/** The state of the pair the fake nodes answer from, and what they were asked. */
export class FakePair {
  readonly remote = new FakeRemote();
  readonly ctx: DrContext;
  /** `hadr_cluster_stat` of each cluster. */
  readonly stat: Record<string, string> = { A: "normal", B: "normal" };
  /** gs_sdr lock trace ids by host (`streaming_lock_<trace>` in its data directory). */
  readonly locks: Record<string, string[]> = {};
  /** gs_sdr step files by host (task keys, e.g. `start_primary`). */
  readonly steps: Record<string, string[]> = {};
  /** Content of the fence marker by cluster. */
  readonly fence: Record<string, string> = {};
  /** `pg_hba.conf` host lines by host, as the dissolve report greps them. */
  readonly hba: Record<string, string> = {};
  /** Hosts with `$GAUSSHOME/bin/cluster_maintance`. */
  readonly maintenance = new Set<string>();
  /** `rc` printed by each gs_guc command of the fence (by its batch key), 0 unless staged. */
  readonly gucRc: Record<string, number> = {};
  /** Staged outcomes of gs_sdr runs by `<cluster> <task>[ <mode>]`: used once each, in order. */
  readonly staged = new Map<string, Array<Reply | "hang">>();
  /** Every gs_sdr run, in the order they started. */
  readonly runs: SdrSeen[] = [];
  /** Every read answered, in order. */
  readonly reads: ReadSeen[] = [];
  /** The DR XML placed on each run node, by cluster (the last one). */
  readonly xml: Record<string, string> = {};
  /** The DR user as `select usename, userepl` prints it on the run nodes (null: no such user). */
  drUser: string | null = "dr_user|t";
  /** The build (version.cfg line 3) of each cluster. */
  readonly commit: Record<string, string> = {};
  /** What `rm -rf "$HOME/.pulumi-hadr"` prints on each host (empty: it worked). */
  readonly rmFails: Record<string, string> = {};

  constructor(opts: { deadlineMs?: number } = {}) {
    const v = validateDrRelationship({
      clusters: {
        A: {
          xml: fixture("cluster-A.xml"),
          ssh: { hostKeys: { "127.0.1.1": fingerprint("a"), "127.0.1.2": fingerprint("b") } },
        },
        B: {
          xml: fixture("cluster-B.xml"),
          ssh: { hostKeys: { "127.0.2.1": fingerprint("c"), "127.0.2.2": fingerprint("d") } },
        },
      },
      primary: "A",
      drUser: { name: "dr_user", password: PASSWORD },
      sshKey: { privateKey: PRIVATE_KEY },
    });
    assert.deepEqual(v.failures, []);
    const real = drContext(v.args!, v.topologies, opts.deadlineMs);
    const logins = Object.entries(v.args!.clusters).flatMap(([n, c]) =>
      HOSTS[n]!.map((h) => `${c.ssh.user}@${h}:${c.ssh.port}`),
    );
    this.ctx = { ...real, fleet: this.remote.fleet(logins, [PASSWORD]) };
    for (const [cluster, hosts] of Object.entries(HOSTS)) {
      for (const h of hosts) this.remote.host(h).on((cmd, ch) => this.answer(cluster, h, cmd, ch));
    }
  }

  /** Makes every node of `cluster` stop answering SSH (or only `hosts`). */
  down(cluster: string, hosts = HOSTS[cluster]!): void {
    for (const h of hosts) this.remote.host(h).down = "connect EHOSTUNREACH";
  }

  /** Stages the outcome of the next gs_sdr run of `key` (`<cluster> <task>[ <mode>]`). */
  stage(key: string, outcome: Reply | "hang"): void {
    this.staged.set(key, [...(this.staged.get(key) ?? []), outcome]);
  }

  /** The gs_sdr runs as `<cluster>@<host> <task>[ <mode>]`, in the order they started. */
  runLines(): string[] {
    return this.runs.map((r) => `${r.cluster}@${r.host} ${r.task}${r.mode ? ` ${r.mode}` : ""}`);
  }

  /** Every command line any node received (for "no secret in argv"). */
  commandLines(): string[] {
    return this.remote.log.map((r) => r.command);
  }

  private async answer(
    cluster: string,
    host: string,
    cmd: string,
    ch: Channel,
  ): Promise<Reply | "hang" | undefined> {
    const body = cmd.replace(ENV_PREFIX, "");
    if (body.includes("exec gs_sdr ")) return this.gsSdr(cluster, host, body, ch);
    if (body.startsWith("echo @@HADR@@")) return { stdout: this.batch(cluster, host, body, ch.record) };
    if (body.startsWith('mkdir -p "$HOME/.pulumi-hadr" && cat > ')) {
      this.xml[cluster] = await ch.stdin();
      return { code: 0 };
    }
    if (/^echo "trace=[0-9a-f]{32}" >> "\$HOME\/\.pulumi-hadr\/runs\/[^"]+\.run"$/.test(body))
      return { code: 0 };
    if (/^rm -f "\$HOME\/\.pulumi-hadr\/runs\/[^"]+\.run"$/.test(body)) return { code: 0 };
    return undefined;
  }

  private batch(cluster: string, host: string, body: string, record: ExecRecord): string {
    let out = "";
    for (const m of body.matchAll(SEGMENT)) {
      const [key, command] = [m[1]!, m[2]!];
      this.reads.push({ cluster, host, key, command, record });
      const answer = this.read(cluster, host, key, command);
      if (answer === undefined)
        throw new Error(`fake pair: no answer for read "${key}" on ${host}: ${command}`);
      out += `@@HADR@@${key}\n${answer}${answer && !answer.endsWith("\n") ? "\n" : ""}`;
    }
    return out;
  }

  private read(cluster: string, host: string, key: string, command: string): string | undefined {
    const stat = this.stat[cluster]!;
    switch (key) {
      case "locks":
        return (this.locks[host] ?? []).join("\n");
      case "steps":
        return (this.steps[host] ?? []).join("\n");
      case "running":
      case "stat":
      case "markers":
      case "drills":
        return "";
      case "status":
        return cluster === "A"
          ? fixture("om-status-primary.txt")
          : fixture("om-status-primary.txt").replaceAll("127.0.1.", "127.0.2.").replaceAll("oga", "ogb");
      case "query": {
        const q = fixture("query-primary.txt").replace("'archive'", `'${stat}'`);
        return stat.startsWith("archive") ? q : q.replace("'RPO': '3', 'RTO': '12'", "'RPO': '', 'RTO': ''");
      }
      case "agent":
        return `agent_backup_open = ${stat.startsWith("recovery") ? 1 : 0}`;
      case "fence":
        return this.fence[cluster] ?? "";
      case "save":
      case "cms":
      case "dnSet":
      case "dnReload":
      case "dn":
        return `rc=${this.gucRc[key] ?? 0}`;
      case "rm": {
        // `rm -rf ~/.pulumi-hadr` fails where staged; a command that asks for its exit code gets it
        const failed = command.includes('rm -rf "$HOME/.pulumi-hadr"') ? this.rmFails[host] : undefined;
        return `${failed ?? ""}${/; echo rc=\$\?$/.test(command) ? `rc=${failed ? 1 : 0}` : ""}`;
      }
      case "hba":
        // the plan reads the whole file; the dissolve report greps its host lines
        return command.startsWith("cat ")
          ? fixture(cluster === "A" ? "pg_hba-oga1.txt" : "pg_hba-ogb1.txt")
          : (this.hba[host] ?? "");
      case "rc":
        return `replconninfo1 = '${localReplConnInfo(host, HOSTS[cluster]!.find((h) => h !== host)!)}'`;
      case "sql":
        return [
          ...Object.entries(SQL).flatMap(([g, v]) => [`@@${g}`, v]),
          ...(command.includes("@@dr_user") && this.drUser !== null ? ["@@dr_user", this.drUser] : []),
        ].join("\n");
      case "cm":
        return `agent_backup_open = ${stat.startsWith("recovery") ? 1 : 0}\nbackup_open = 0`;
      case "version":
        return this.commit[cluster] ?? "a1b2c3d";
      case "release":
        return "openGauss-6.0.0";
      case "omMarkers":
        return "1\n1\n1";
      case "hostips":
        return host;
      case "facts":
        return "pguser=omm\niptype=ipv4\nosuser=omm";
      case "maint":
        return this.maintenance.has(host) ? "present" : "";
      default:
        return undefined;
    }
  }

  private async gsSdr(cluster: string, host: string, body: string, ch: Channel): Promise<Reply | "hang"> {
    const m = /exec (gs_sdr -t (\w+)(?: -m (\w+))?[^)]*?) \)/.exec(body);
    assert.ok(m, `not a gs_sdr line: ${body}`);
    const [line, task, mode] = [m[1]!, m[2]!, m[3]];
    const trace = createHash("md5").update(`${cluster} ${task} ${this.runs.length}`).digest("hex");
    const seen: SdrSeen = { cluster, host, task, trace, line, answers: [], record: ch.record };
    if (mode) seen.mode = mode;
    this.runs.push(seen);
    ch.print(`${"-".repeat(80)}\nStreaming disaster recovery ${task} ${trace}\n${"-".repeat(80)}\n`);
    if (task === "start") {
      seen.answers.push(await ch.ask("Please enter password for [dr_user]: "));
      seen.answers.push(await ch.ask("Please repeat enter for password for [dr_user]: "));
    }
    // a real run takes a while: a run started at the same time as this one overlaps it
    await new Promise((r) => setTimeout(r, 20));
    const key = `${cluster} ${task}${mode ? ` ${mode}` : ""}`;
    const staged = this.staged.get(key)?.shift();
    if (staged !== undefined) return staged;
    const next: Record<string, string> = {
      "start primary": "archive",
      "start disaster_standby": "recovery",
      "switchover primary": "archive",
      "switchover disaster_standby": "recovery",
      failover: "normal",
      stop: "normal",
    };
    this.stat[cluster] = next[`${task}${mode ? ` ${mode}` : ""}`]!;
    this.steps[host] = [];
    return { code: 0, stdout: `Successfully do streaming disaster recovery ${task}.\n` };
  }
}
