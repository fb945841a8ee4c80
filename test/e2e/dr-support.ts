/**
 * What the DrRelationship end-to-end files share: the user's program, a harness holding the lab, the SSH
 * key and a test project, and helpers to run SQL and gs_sdr on lab hosts and to read the state.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { LabInfo } from "pulumi-hadr-lab";
import { ensureLab, labCli, sshExec } from "pulumi-hadr-lab";
import { type ProjectOptions, TestProject } from "../support/project";
import { REPO_ROOT } from "../support/pulumi";

/** A user's program: one DrRelationship from stack config, its outputs exported. */
export const DR_PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { DrRelationship } = require("pulumi-hadr");
const cfg = new pulumi.Config();
const key = cfg.requireSecret("sshKey");
const spec = cfg.requireObject("dr");
const dr = new DrRelationship("dr", {
  ...spec,
  sshKey: { privateKey: key },
  drUser: { name: spec.drUser, password: cfg.requireSecret("drPassword") },
});
exports.primary = dr.primary;
exports.rpoSeconds = dr.rpoSeconds;
exports.rtoSeconds = dr.rtoSeconds;
exports.hadrClusterStat = dr.hadrClusterStat;
exports.health = dr.health;
exports.healthState = dr.healthState;
`;

/** The DR user's password in the lab tests (a lab-only value). */
export const DR_PASSWORD = "Dr_e2e_Pw_4821";
/** HA port of the lab's DNs (gsql as the OS user). */
export const HA_PORT = 26001;

/** Polls `probe` every 2 s until `ok`, failing the test with the last value after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 120_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!ok(last)) {
    if (Date.now() > end) assert.fail(`${what}: still ${JSON.stringify(last)} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 2000));
    last = await probe();
  }
  return last;
}

/**
 * The `dr` stack config for the lab's clusters A and B (or another lab pair, e.g. `["C", "D"]`): primary the
 * pair's first cluster, the lab's host keys, no private key.
 */
export function drSpec(
  lab: LabInfo,
  extra: Record<string, unknown> = {},
  pair: readonly [string, string] = ["A", "B"],
): Record<string, unknown> {
  const clusters: Record<string, unknown> = {};
  for (const n of pair) {
    const c = lab.clusters[n]!;
    clusters[n] = {
      xml: c.xml,
      ssh: {
        port: c.hosts[0]!.sshPort,
        hostKeys: Object.fromEntries(c.hosts.map((h) => [h.ip, h.hostKey])),
      },
    };
  }
  return { primary: pair[0], drUser: "druser", timeoutSeconds: 240, clusters, ...extra };
}

/** How {@link DrHarness.setup} builds its project (defaults: DR_PROGRAM, the openGauss lab only). */
export interface HarnessOptions {
  /** The user's program (it reads the `sshKey`, `drPassword` and `dr` config). */
  program?: string;
  /** Lab engines to bring up (openGauss is always among them). */
  engines?: string[];
  /** How the project is made (which CLI, how pulumi-hadr is installed). */
  project?: ProjectOptions;
}

/** What `pulumi-hadr status --json` prints. */
export interface StatusJson {
  outputs: Record<string, unknown>;
  clusters: Array<{
    name: string;
    reachable: boolean;
    stat: string | null;
    running: string[];
    locks: Array<{ node: string; trace: string }>;
    stepFiles: string[];
  }>;
}

/** Lab + key + project for one test file. */
export class DrHarness {
  readonly cliOutput: string[] = [];

  private constructor(
    readonly lab: LabInfo,
    readonly key: string,
    readonly project: TestProject,
  ) {}

  /** Brings the lab up, undoes every fault, dissolves any leftover pair, (re)creates the DR user and a project. */
  static async setup(
    name: string,
    extra: Record<string, unknown> = {},
    opts: HarnessOptions = {},
  ): Promise<DrHarness> {
    const lab = await ensureLab({
      engines: [...new Set(["opengauss", ...(opts.engines ?? [])])],
      omVersion: "master",
    });
    const key = fs.readFileSync(lab.clientKeyPath, "utf8");
    assert.equal((await labCli(["reset"])).code, 0);
    const project = await TestProject.create(name, opts.program ?? DR_PROGRAM, "test", opts.project);
    const h = new DrHarness(lab, key, project);
    await h.dissolveLeftovers();
    await h.leadWithNodeOne();
    await h.ensureDrUser("A");
    await h.project.config("sshKey", key, true);
    await h.project.config("drPassword", DR_PASSWORD, true);
    await h.setSpec(extra);
    return h;
  }

  /** Creates the DR user `druser` (password {@link DR_PASSWORD}) on a cluster's node 1, or resets its password. */
  async ensureDrUser(cluster: string): Promise<void> {
    const u = await this.gsql(
      this.hosts(cluster)[0]!,
      `DO $$BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname='druser') THEN ALTER USER druser WITH REPLICATION PASSWORD '${DR_PASSWORD}'; ELSE CREATE USER druser WITH REPLICATION PASSWORD '${DR_PASSWORD}'; END IF; END$$;`,
    );
    assert.equal(u.code, 0, u.out);
  }

  /** Addresses of a cluster's hosts, node 1 first. */
  hosts(cluster: string): string[] {
    return this.lab.clusters[cluster]!.hosts.map((h) => h.ip);
  }

  /** Runs `cmd` as omm on every node of A and B; returns each node's address and output, one after another. */
  async onEveryNode(cmd: string): Promise<string> {
    const out: string[] = [];
    for (const ip of [...this.hosts("A"), ...this.hosts("B")]) {
      const r = await sshExec(this.lab, ip, "omm", cmd, { timeoutMs: 60_000 });
      out.push(`${ip}\n${r.stdout}`);
    }
    return out.join("\n");
  }

  /**
   * Every file under ~/.pulumi-hadr on every node with its mtime and size: a gs_sdr run through the provider
   * writes its DR XML, a run marker and an output file there, so any start or write changes this listing.
   */
  ourFiles(): Promise<string> {
    return this.onEveryNode("find ~/.pulumi-hadr -type f -printf '%p %T@ %s\\n' 2>/dev/null | sort; true");
  }

  /** Runs SQL (from stdin, never argv) through the lab's gsql on a node. */
  async gsql(ip: string, sql: string): Promise<{ code: number; out: string }> {
    const r = await sshExec(
      this.lab,
      ip,
      "omm",
      `. ~/.bashrc; gsql -d postgres -p ${HA_PORT} -t -A -X -f /dev/stdin`,
      {
        input: `${sql}\n`,
        timeoutMs: 60_000,
      },
    );
    return { code: r.code, out: `${r.stdout}${r.stderr}`.trim() };
  }

  /** Runs gs_sdr by hand on a node (as an operator would). */
  async sdr(ip: string, args: string): Promise<{ code: number; out: string }> {
    const r = await sshExec(this.lab, ip, "omm", `. ~/.bashrc; gs_sdr ${args}`, { timeoutMs: 600_000 });
    return { code: r.code, out: r.stdout + r.stderr };
  }

  /** `hadr_cluster_stat` of both clusters. */
  async stats(): Promise<{ A: string; B: string }> {
    return { A: await this.stat("A"), B: await this.stat("B") };
  }

  /** `hadr_cluster_stat` of a cluster (`unknown` when the query fails). */
  async stat(cluster: string): Promise<string> {
    const r = await this.sdr(this.hosts(cluster)[0]!, "-t query").catch(() => ({ code: 1, out: "" }));
    return /'hadr_cluster_stat': '([^']*)'/.exec(r.out)?.[1] ?? "unknown";
  }

  /** Brings both clusters back to two independent primaries (dissolving any relationship left behind). */
  async dissolveLeftovers(): Promise<void> {
    const stats = { A: await this.stat("A"), B: await this.stat("B") };
    for (const c of ["A", "B"] as const) {
      const s = stats[c];
      if (s.startsWith("recovery") || s.startsWith("restore") || s.startsWith("promote"))
        await this.sdr(this.hosts(c)[0]!, "-t failover");
    }
    for (const c of ["A", "B"] as const) {
      const ip = this.hosts(c)[0]!;
      // leftovers of earlier tests: start step files block stop
      await sshExec(
        this.lab,
        ip,
        "omm",
        ". ~/.bashrc; rm -f $PGHOST/streaming_cabin/.streaming_start_*.step",
        { timeoutMs: 30_000 },
      );
      const s = await this.stat(c);
      if (s.startsWith("archive") || s.startsWith("full_backup") || s.startsWith("backup")) {
        await this.placeXml(c);
        await this.sdr(ip, `-t stop -X /home/omm/.pulumi-hadr/dr-${c}.xml`);
      }
    }
  }

  /**
   * Makes node 1 each cluster's primary again, as the tests address the clusters (`hosts(c)[0]` is where gs_sdr
   * runs and, once paired, the DR cluster's Main Standby). An earlier file can leave node 2 leading (a failover
   * ran from it); an operator's switch: stop the primary cleanly (its last WAL reaches the standby), promote node 1,
   * rebuild the old primary as its standby and start it. Called with both clusters independent (after
   * dissolveLeftovers).
   */
  async leadWithNodeOne(): Promise<void> {
    const omm = async (ip: string, cmd: string, what: string) => {
      const r = await sshExec(this.lab, ip, "omm", `. ~/.bashrc; ${cmd}`, { timeoutMs: 300_000 });
      assert.equal(r.code, 0, `${what} on ${ip}: ${r.stdout}${r.stderr}`);
    };
    for (const c of ["A", "B"] as const) {
      const [first, ...rest] = this.hosts(c) as [string, ...string[]];
      const primaries: string[] = [];
      for (const ip of [first, ...rest]) {
        if ((await this.gsql(ip, "select pg_is_in_recovery();")).out === "f") primaries.push(ip);
      }
      if (primaries.length === 1 && primaries[0] === first) continue;
      assert.equal(
        primaries.length,
        1,
        `cluster ${c}: one primary expected, found [${primaries.join(", ")}]`,
      );
      const old = primaries[0]!;
      await omm(old, "gs_ctl stop -D ~/data/dn1 -m fast", "stop the primary");
      await omm(first, "gs_ctl notify -M primary -D ~/data/dn1", "promote node 1");
      await omm(old, "gs_ctl build -D ~/data/dn1 -M standby -b full", "rebuild the old primary");
      await omm(old, "gs_ctl start -D ~/data/dn1 -M standby", "start it as a standby");
    }
  }

  /** Puts a DR XML for `stop` by hand (the provider's copy may have been removed by a destroy). */
  private async placeXml(c: string): Promise<void> {
    const ip = this.hosts(c)[0]!;
    const exists = await sshExec(this.lab, ip, "omm", `test -f /home/omm/.pulumi-hadr/dr-${c}.xml`, {
      timeoutMs: 30_000,
    });
    if (exists.code === 0) return;
    const other = c === "A" ? "B" : "A";
    const ipmap = (n: string) =>
      this.hosts(n)
        .map((x) => `(${x},${x})`)
        .join(",");
    const xml = (this.lab.clusters[c]?.xml ?? "").replace(
      /(<PARAM name="dataPortBase" value="(\d+)"\/>)/,
      `$1<PARAM name="localStreamIpmap1" value="${ipmap(c)}"/><PARAM name="remoteStreamIpmap1" value="${ipmap(other)}"/><PARAM name="remotedataPortBase" value="$2"/>`,
    );
    await sshExec(this.lab, ip, "omm", "mkdir -p ~/.pulumi-hadr && cat > ~/.pulumi-hadr/dr-" + c + ".xml", {
      input: xml,
      timeoutMs: 30_000,
    });
  }

  /** The `dr` stack config: both lab clusters, primary A, the lab's host keys. */
  spec(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return drSpec(this.lab, extra);
  }

  /** Sets the `dr` config. */
  async setSpec(extra: Record<string, unknown> = {}): Promise<void> {
    await this.project.config("dr", JSON.stringify(this.spec(extra)));
  }

  /** Runs the CLI; throws with its output unless it exits 0. */
  async pulumi(args: string[], timeoutMs = 900_000): Promise<string> {
    const r = await this.project.world.ok(args, { timeoutMs });
    this.cliOutput.push(r.stdout, r.stderr);
    return r.stdout;
  }

  /** Runs the CLI and returns exit code and output, whatever the exit code. */
  async pulumiRun(args: string[], timeoutMs = 900_000): Promise<{ code: number | null; out: string }> {
    const r = await this.project.world.run(args, { timeoutMs });
    this.cliOutput.push(r.stdout, r.stderr);
    return { code: r.code, out: r.stdout + r.stderr };
  }

  /** The relationship's outputs in the state. */
  async outputs(): Promise<Record<string, unknown>> {
    const state = await this.project.world.exportStack();
    const res = state.deployment.resources?.find(
      (r) => r["type"] === "pulumi-nodejs:dynamic/hadr:DrRelationship",
    );
    assert.ok(res, "the relationship is in the state");
    return res["outputs"] as Record<string, unknown>;
  }

  /**
   * `pulumi-hadr status` of the pair as an operator runs it: an inputs file (the `dr` config without any
   * secret) and the key in a file next to it; `json` gives the parsed `--json` output, `out` the text.
   */
  async status(json = true): Promise<{ code: number | null; out: string; json?: StatusJson }> {
    const inputs = path.join(this.project.dir, "status-inputs.json");
    const keyFile = path.join(this.project.dir, "status-key");
    fs.writeFileSync(inputs, JSON.stringify({ ...this.spec(), drUser: { name: "druser" } }));
    fs.writeFileSync(keyFile, this.key, { mode: 0o600 });
    const cli = path.join(REPO_ROOT, "dist", "provider", "cli", "main.js");
    const args = [cli, "status", inputs, "--ssh-key-file", keyFile, ...(json ? ["--json"] : [])];
    try {
      const r = await new Promise<{ code: number | null; out: string }>((resolve) =>
        execFile(process.execPath, args, { timeout: 180_000, killSignal: "SIGKILL" }, (err, stdout, stderr) =>
          resolve({
            code: err ? (typeof err.code === "number" ? err.code : null) : 0,
            out: `${stdout}${stderr}`,
          }),
        ),
      );
      return json && r.code === 0 ? { ...r, json: JSON.parse(r.out) as StatusJson } : r;
    } finally {
      fs.rmSync(keyFile, { force: true });
    }
  }

  /** Removes the project. */
  dispose(): void {
    this.project.dispose();
  }
}
