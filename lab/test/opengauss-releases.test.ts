/**
 * Self-tests of the emulated gs_sdr per openGauss-OM release (docs/vendor/opengauss-gs_sdr.md §8 + §10): the
 * release comes from line 1 of `$GPHOME/version.cfg`, switched on the running lab with `setOmVersion`. Two
 * DR cycles (5.0.3 with 6.0.0's start refusal in between, then master over the dedicated replication
 * network) assert every row that differs: hba lines, DCC term key, wal_keep_segments after start, start on
 * an archive cluster, `-f`, the password rule, IP_TYPE absence. Needs the lab (root); tests run in order.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { shq } from "../src/core/shell";
import { labCli, setOmVersion } from "../src/fixture";
import { dissolveDr, freshOpenGaussLab, omm, parseQuery, sdrQuery, writeDrXml } from "../src/og-dr";
import {
  exportsIpType,
  installedScripts,
  normaliseOmRelease,
  omBehaviour,
  parseOmVersionOption,
  releaseOfVersionCfg,
  versionCfg,
} from "../src/opengauss/release";
import type { LabInfo, LabRunResult } from "../src/types";

const asRoot = process.getuid?.() === 0;
const skip = asRoot ? false : "needs root (the lab)";
const DR_USER = "hadrusr";
const DR_PWD = "Sdr_Secret#4711";
const T = 600_000;

let lab: LabInfo;
let a1 = "";
let b1 = "";

const sdr = (ip: string, args: string, timeoutMs = T): Promise<LabRunResult> =>
  omm(lab, ip, `gs_sdr ${args}`, timeoutMs);

/** Active (uncommented) lines of a DN's openGauss-view pg_hba.conf. */
async function hba(ip: string): Promise<string[]> {
  const r = await omm(lab, ip, "grep -v '^#' ~/data/dn1/pg_hba.conf", 30_000);
  return r.stdout.split("\n").filter((l) => l.trim() !== "");
}

/** `show <guc>` on a DN (the openGauss view answers og-only GUCs). */
async function show(ip: string, guc: string): Promise<string> {
  const r = await omm(
    lab,
    ip,
    `gsql -d postgres -p ${lab.portBase} -t -A -X -c ${shq(`show ${guc}`)}`,
    30_000,
  );
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

/**
 * Comments out every `host replication omm <addr>/32 trust` line on both clusters (a master gs_sdr leaves them
 * behind after stop): the hba a cluster has when no master gs_sdr ever ran on it.
 */
async function dropReplicationTrustLines(): Promise<void> {
  const addrs = ["A", "B"].flatMap((c) =>
    lab.clusters[c]!.hosts.flatMap((h) => [h.ip, ...(h.streamIp ? [h.streamIp] : [])]),
  );
  const args = addrs.map((ip) => `-h ${shq(`host    replication    omm    ${ip}/32`)}`).join(" ");
  for (const ip of [a1, b1]) {
    const r = await omm(lab, ip, `gs_guc reload -Z datanode -N all -I all ${args}`, 60_000);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
}

/** Both sides of `start` at once (A primary, B disaster standby); asserts both succeed. */
async function startPair(xmlA: string, xmlB: string): Promise<{ a: LabRunResult; b: LabRunResult }> {
  const cred = `-U ${DR_USER} -W ${shq(DR_PWD)} --time-out=300`;
  const [a, b] = await Promise.all([
    sdr(a1, `-t start -m primary -X ${xmlA} ${cred}`),
    sdr(b1, `-t start -m disaster_standby -X ${xmlB} ${cred}`),
  ]);
  assert.equal(a.code, 0, `start -m primary:\n${a.stdout}${a.stderr}`);
  assert.equal(b.code, 0, `start -m disaster_standby:\n${b.stdout}${b.stderr}`);
  return { a, b };
}

/** `lab fault …` (dr-link-cut / dr-link-restore). */
async function fault(...args: string[]): Promise<void> {
  const r = await labCli(["fault", ...args], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `lab fault ${args.join(" ")}: ${r.stderr}${r.stdout}`);
}

/** Polls `gs_sdr -t query` on `ip` until the state is `want` (bounded). */
async function waitStat(ip: string, want: string, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  let last = "";
  for (;;) {
    last = (await sdrQuery(lab, ip)).stat;
    if (last === want) return;
    if (Date.now() > deadline) assert.fail(`${ip}: query still ${last}, wanted ${want} after ${seconds}s`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Active `name = value` lines of a DN's postgresql.conf for the given GUCs, comments cut. */
async function confLines(ip: string, ...names: string[]): Promise<string[]> {
  const r = await omm(lab, ip, `grep -E '^(${names.join("|")}) ' ~/data/dn1/postgresql.conf; true`, 30_000);
  // without the trailing `# …` comment of the sample file
  return r.stdout
    .split("\n")
    .map((l) => l.replace(/\s+#[^']*$/, ""))
    .filter((l) => l.trim() !== "");
}

/** Whether `$GAUSSHOME/bin/cluster_maintance` exists on a host. */
async function maintenanceFile(ip: string): Promise<boolean> {
  const r = await omm(lab, ip, 'test -e "$GAUSSHOME/bin/cluster_maintance" && echo yes; true', 30_000);
  return r.stdout.trim() === "yes";
}

/** A switchover of the pair: `demote` (primary now) to DR, `promote` to primary, both at once. */
async function switchPair(demote: string, promote: string): Promise<{ d: LabRunResult; p: LabRunResult }> {
  const [d, p] = await Promise.all([
    sdr(demote, "-t switchover -m disaster_standby --time-out=300"),
    sdr(promote, "-t switchover -m primary --time-out=300"),
  ]);
  assert.equal(d.code, 0, `switchover -m disaster_standby:\n${d.stdout}${d.stderr}`);
  assert.equal(p.code, 0, `switchover -m primary:\n${p.stdout}${p.stderr}`);
  return { d, p };
}

/** The term key line failover prints when it writes the DCC (`Successfully set [/<user>/CMServer/<key>][n].`). */
function termKeyOf(out: string): string | undefined {
  return /^Successfully set \[\/\w+\/CMServer\/(status_key\/[\w/]+)\]\[\d+\]\.$/m.exec(out)?.[1];
}

test("the release table: every §8/§10/§11 row per release (pure)", { timeout: 30_000 }, () => {
  const row = (v: string) => {
    const b = omBehaviour(v);
    const first = [
      b.startForbiddenInArchive ? "forbid" : "rerun",
      b.forceOption ? "-f" : "no-f",
      b.segmentFromIpType ? "IP_TYPE" : "ipv4-split",
      b.replicationTrustLines ? "trust" : "no-trust",
      b.passwordRule,
      b.termKey,
      exportsIpType(v) ? "IP_TYPE" : "no-IP_TYPE",
    ];
    // the second read (§11): rows that do not simply start at one release
    const second = [
      b.walKeepRestoresRecorded ? "recorded" : "128",
      b.walKeepQuoted ? "quoted" : "bare",
      b.setsStreamRunMode ? "runmode" : "no-runmode",
      b.switchoverReadOnlyToggle ? "ro" : "no-ro",
      b.emptyReplconninfoFails ? "empty-fails" : "empty-skip",
      b.drQueryChecksWalreceiver ? "walrcv" : "no-walrcv",
      b.failoverNotifiesMainStandby ? "notify-main" : "notify-primary",
      b.maintenanceFileFinally ? "finally" : "leaves",
    ];
    return `${first.join(" ")} | ${second.join(" ")}`;
  };
  const v5 = "rerun no-f ipv4-split no-trust injection status_key/term no-IP_TYPE";
  const v600 = "forbid no-f ipv4-split no-trust injection status_key/term IP_TYPE";
  const v602 = "forbid no-f IP_TYPE no-trust injection status_key/term IP_TYPE";
  const rc2 = "forbid -f IP_TYPE no-trust injection status_key/term IP_TYPE";
  const rest = "runmode ro empty-skip";
  const table: Array<[string, string]> = [
    ["5.0.0", `${v5} | 128 quoted no-runmode no-ro empty-fails no-walrcv notify-primary finally`],
    ["5.0.1", `${v5} | 128 quoted ${rest} no-walrcv notify-primary finally`],
    ["5.0.2", `${v5} | 128 quoted ${rest} no-walrcv notify-primary finally`],
    ["5.0.3", `${v5} | 128 quoted ${rest} no-walrcv notify-primary finally`],
    ["5.0.5", `${v5} | 128 bare ${rest} no-walrcv notify-primary finally`],
    ["5.1.0", `${v5} | 128 quoted ${rest} no-walrcv notify-primary finally`],
    ["6.0.0", `${v600} | 128 quoted ${rest} walrcv notify-main finally`],
    ["6.0.1", `${v600} | 128 quoted ${rest} walrcv notify-main finally`],
    ["6.0.2", `${v602} | 128 bare ${rest} walrcv notify-main finally`],
    ["6.0.3", `${v602} | recorded bare ${rest} walrcv notify-main finally`],
    ["6.0.5", `${v602} | recorded bare ${rest} walrcv notify-main finally`],
    ["7.0.0-RC1", `${v602} | 128 quoted ${rest} walrcv notify-main finally`],
    ["7.0.0-RC2", `${rc2} | recorded bare ${rest} walrcv notify-main finally`],
    ["7.0.0-RC3", `${rc2} | recorded bare ${rest} walrcv notify-main finally`],
    [
      "master",
      `forbid -f IP_TYPE trust regex status_key/dn_term/0 IP_TYPE | recorded bare ${rest} walrcv notify-main leaves`,
    ],
  ];
  for (const [v, want] of table) assert.equal(row(v), want, v);
  // every release's params_handler.py carries OM's comment; only master's calls the check
  const params = (r: string) =>
    Object.entries(installedScripts(r)).find(([p]) => p.endsWith("params_handler.py"))![1];
  for (const r of ["5.0.0", "7.0.0-RC3", "master"])
    assert.match(params(r), /# check_db_password will be used in cloud scene/, r);
  assert.ok(params("master").includes("SecurityChecker.check_db_password("));
  assert.ok(!params("7.0.0-RC3").includes("SecurityChecker.check_db_password("));
  // version.cfg: line 1 names the version (master builds say 7.0.0-RC3), line 3 a commit id per release
  assert.equal(versionCfg("5.0.3").split("\n")[0], "openGauss-5.0.3");
  assert.equal(versionCfg("master").split("\n")[0], "openGauss-7.0.0-RC3");
  assert.match(versionCfg("6.0.0"), /^openGauss-6\.0\.0\n\d+\.\d+\n[0-9a-f]{8}\n$/);
  assert.notEqual(versionCfg("6.0.0").split("\n")[2], versionCfg("6.0.2").split("\n")[2]);
  // master and the 7.0.0-RC3 release share the version line; the installed scripts tell them apart
  const base = (r: string) =>
    Object.entries(installedScripts(r)).find(([p]) => p.endsWith("streaming_base.py"))![1];
  assert.equal(releaseOfVersionCfg(versionCfg("master"), base("master")), "master");
  assert.equal(releaseOfVersionCfg(versionCfg("7.0.0-RC3"), base("7.0.0-RC3")), "7.0.0-RC3");
  assert.equal(releaseOfVersionCfg(versionCfg("master")), "7.0.0-RC3", "without the scripts: the release");
  assert.equal(row(releaseOfVersionCfg(versionCfg("6.0.3"))!), table[9]![1]);
  // --om-version syntax
  assert.deepEqual(parseOmVersionOption("6.0.0", ["A", "B"]), { A: "6.0.0", B: "6.0.0" });
  assert.deepEqual(parseOmVersionOption("A=5.0.3,B=master", ["A", "B"]), { A: "5.0.3", B: "master" });
  assert.deepEqual(parseOmVersionOption("B=7.0.0-rc3", ["A", "B"]), { B: "7.0.0-RC3" });
  assert.throws(() => parseOmVersionOption("C=5.0.3", ["A", "B"]), /cluster/);
  assert.throws(() => normaliseOmRelease("latest"), /unknown openGauss-OM release/);
});

before(
  async () => {
    if (!asRoot) return;
    lab = await freshOpenGaussLab("master");
    a1 = lab.clusters["A"]!.hosts[0]!.ip;
    b1 = lab.clusters["B"]!.hosts[0]!.ip;
    const exists = await omm(
      lab,
      a1,
      `gsql -d postgres -p ${lab.portBase} -t -A -X -c "select 1 from pg_user where usename = '${DR_USER}'"`,
    );
    const verb = exists.stdout.trim() === "1" ? "ALTER" : "CREATE";
    const u = await omm(
      lab,
      a1,
      `gsql -d postgres -p ${lab.portBase} -X -c ${shq(`${verb} USER ${DR_USER} WITH REPLICATION PASSWORD '${DR_PWD}'`)}`,
    );
    assert.equal(u.code, 0, u.stderr);
    // a known wal_keep_segments on A, so "restored" is distinguishable from 128
    const w = await omm(lab, a1, `gs_guc reload -Z datanode -N all -I all -c "wal_keep_segments = 16"`);
    assert.equal(w.code, 0, w.stdout + w.stderr);
  },
  { timeout: T },
);

after(
  async () => {
    if (!asRoot) return;
    await dissolveDr(lab);
    await setOmVersion("master");
  },
  { timeout: T },
);

test("version.cfg, env file and gs_sdr -V follow the chosen release, per cluster", {
  skip,
  timeout: T,
}, async () => {
  const info = await setOmVersion({ A: "5.0.3", B: "6.0.0" });
  assert.equal(info.clusters["A"]!.omVersion, "5.0.3");
  assert.equal(info.clusters["B"]!.omVersion, "6.0.0");
  for (const h of info.clusters["A"]!.hosts) {
    const r = await omm(
      lab,
      h.ip,
      "head -1 $GPHOME/version.cfg $GAUSSHOME/bin/version.cfg; grep -c IP_TYPE ~/.bashrc; gs_sdr -V",
      30_000,
    );
    assert.match(
      r.stdout,
      /version\.cfg <==\nopenGauss-5\.0\.3\n[\s\S]*version\.cfg <==\nopenGauss-5\.0\.3\n/,
    );
    assert.match(r.stdout, /^0$/m, "no IP_TYPE before 6.0.0");
    assert.match(r.stdout, /^gs_sdr openGauss OM 5\.0\.3 build [0-9a-f]{8} /m);
  }
  const b = await omm(lab, b1, "sed -n 3p $GPHOME/version.cfg; grep IP_TYPE ~/.bashrc", 30_000);
  assert.match(b.stdout, /^export IP_TYPE=ipv4$/m);
  const commitA = (await omm(lab, a1, "sed -n 3p $GPHOME/version.cfg", 30_000)).stdout.trim();
  assert.notEqual(b.stdout.split("\n")[0], commitA, "each release has its own commit id");
});

test("options by release: -f only from 7.0.0-RC2, injection list vs master's password regex", {
  skip,
  timeout: T,
}, async () => {
  const xml = await writeDrXml(lab, "A", "B");
  const cases: Array<[string, boolean, RegExp]> = [
    [
      "5.0.3",
      false,
      /^\[GAUSS-50025\] : There is illegal character ';' in parameter disaster user password\.$/m,
    ],
    [
      "6.0.0",
      false,
      /^\[GAUSS-50025\] : There is illegal character ';' in parameter disaster user password\.$/m,
    ],
    [
      "7.0.0-RC2",
      true,
      /^\[GAUSS-50025\] : There is illegal character ';' in parameter disaster user password\.$/m,
    ],
    ["master", true, /^\[GAUSS-50024\] : The parameter 'disaster user password' is invalid\.$/m],
  ];
  for (const [release, force, pwdError] of cases) {
    await setOmVersion({ A: release });
    const f = await sdr(a1, "-f -t query", 60_000);
    if (force) {
      assert.equal(f.code, 0, `${release}: -f accepted:\n${f.stdout}${f.stderr}`);
      assert.equal(parseQuery(f.stdout)?.stat, "normal");
    } else {
      assert.equal(f.code, 1, `${release}: -f rejected`);
      assert.match(f.stderr, /^gs_sdr: error: no such option: -f$/m, release);
    }
    const p = await sdr(a1, `-t start -m primary -X ${xml} -U ${DR_USER} -W 'ab;cd'`, 60_000);
    assert.equal(p.code, 1, release);
    assert.match(p.stdout, pwdError, release);
  }
  // master's regex also refuses '.', which the injection list lets through (checked without running start)
  const dot = await sdr(a1, `-t start -m primary -X ${xml} -U ${DR_USER} -W 'ab.cd'`, 60_000);
  assert.match(dot.stdout, /^\[GAUSS-50024\] /m);
});

test("5.0.3 (no IP_TYPE): no replication trust lines, IPv4 /16 split, wal_keep_segments back to 128, start re-runs on archive", {
  skip,
  timeout: T,
}, async () => {
  await setOmVersion("5.0.3");
  await dropReplicationTrustLines();
  const xmlA = await writeDrXml(lab, "A", "B");
  const xmlB = await writeDrXml(lab, "B", "A");
  await startPair(xmlA, xmlB);
  const seg = `${a1.split(".").slice(0, 2).join(".")}.0.0/16`;
  for (const ip of [a1, b1]) {
    const lines = await hba(ip);
    assert.ok(
      !lines.some((l) => /^host +replication +omm +/.test(l)),
      `${ip}: no 'host replication omm … trust':\n${lines.join("\n")}`,
    );
    assert.ok(
      lines.includes(`host    replication    all    ${seg}    sha256`),
      `${ip}: the /16 line:\n${lines.join("\n")}`,
    );
  }
  assert.equal(await show(a1, "wal_keep_segments"), "128", "≤ 6.0.2 restores 128, not the recorded 16");
  // ≤ 5.1: start on a live primary in archive runs again (no "start is forbidden")
  const again = await sdr(
    a1,
    `-t start -m primary -X ${xmlA} -U ${DR_USER} -W ${shq(DR_PWD)} --time-out=120`,
  );
  assert.equal(again.code, 0, `re-run:\n${again.stdout}${again.stderr}`);
  assert.doesNotMatch(again.stdout, /start is forbidden/);
  assert.equal((await sdrQuery(lab, a1)).stat, "archive");
});

test("6.0.0: start on an archive cluster is forbidden", { skip, timeout: T }, async () => {
  await setOmVersion("6.0.0");
  const xmlA = await writeDrXml(lab, "A", "B");
  const r = await sdr(
    a1,
    `-t start -m primary -X ${xmlA} -U ${DR_USER} -W ${shq(DR_PWD)} --time-out=60`,
    120_000,
  );
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^Current cluster is already in archive, start is forbidden\.$/m);
});

test("5.0.3 failover writes the DCC key status_key/term", { skip, timeout: T }, async () => {
  await setOmVersion("5.0.3");
  const f = await sdr(b1, "-t failover");
  assert.equal(f.code, 0, f.stdout + f.stderr);
  assert.equal(termKeyOf(f.stdout), "status_key/term");
  const d = await dissolveDr(lab);
  assert.ok(
    d.some((x) => x.startsWith("A: stop (exit 0)")),
    d.join("; "),
  );
});

test("master over the dedicated replication network: an unbound pair fails; stream IPs carry replication; trust lines; recorded wal_keep_segments; dn_term/0", {
  skip,
  timeout: T,
}, async () => {
  await setOmVersion("master");
  const A = lab.clusters["A"]!.hosts;
  const B = lab.clusters["B"]!.hosts;
  assert.ok(A.every((h) => h.streamIp) && B.every((h) => h.streamIp), "every openGauss host has a streamIp");
  const w = await omm(lab, a1, `gs_guc reload -Z datanode -N all -I all -c "wal_keep_segments = 16"`);
  assert.equal(w.code, 0);
  // a pair whose ip is bound on no DN host fails as the real one does (and the run resumes once fixed)
  const badMap = A.map((h, i) =>
    i === 0 ? `(127.${lab.net}.99.1,${h.streamIp})` : `(${h.ip},${h.streamIp})`,
  ).join(",");
  const bad = await writeDrXml(lab, "A", "B", { streamIps: true, localMap: badMap, name: "dr_A_bad.xml" });
  const r = await sdr(
    a1,
    `-t start -m primary -X ${bad} -U ${DR_USER} -W ${shq(DR_PWD)} --time-out=60`,
    180_000,
  );
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /\[GAUSS-51632\] : Failed to do obtain shards from local cluster info/);
  const xmlA = await writeDrXml(lab, "A", "B", { streamIps: true });
  const xmlB = await writeDrXml(lab, "B", "A", { streamIps: true });
  await startPair(xmlA, xmlB);
  // replconninfo: localhost = own stream IP, remotehost = the other cluster's stream IPs
  const conf = await omm(lab, a1, "grep '^replconninfo' ~/data/dn1/postgresql.conf", 30_000);
  const cross = conf.stdout.split("\n").filter((l) => l.includes("iscrossregion=true"));
  assert.equal(cross.length, B.length, conf.stdout);
  for (const [i, l] of cross.entries()) {
    assert.match(l, new RegExp(`localhost=${A[0]!.streamIp!.replace(/\./g, "\\.")} `));
    assert.match(l, new RegExp(`remotehost=${B[i]!.streamIp!.replace(/\./g, "\\.")} `));
  }
  // B's main standby streams from A's primary over its stream address
  const rcv = await omm(
    lab,
    b1,
    `gsql -d postgres -p ${lab.portBase} -t -A -X -c "select sender_host from pg_stat_wal_receiver where status = 'streaming'"`,
    30_000,
  );
  assert.equal(rcv.stdout.trim(), A[0]!.streamIp);
  const linesA = await hba(a1);
  for (const h of B) {
    assert.ok(
      linesA.includes(`host    replication    omm    ${h.streamIp}/32    trust`),
      `trust line for ${h.streamIp}:\n${linesA.join("\n")}`,
    );
    assert.ok(linesA.includes(`host    all    all    ${h.streamIp}/32    sha256`));
  }
  for (const h of A)
    assert.ok(linesA.includes(`host    replication    omm    ${h.ip}/32    trust`), `HA IP line ${h.ip}`);
  assert.equal(await show(a1, "wal_keep_segments"), "16", "master restores the recorded value");
  const f = await sdr(b1, "-t failover");
  assert.equal(f.code, 0, f.stdout + f.stderr);
  assert.equal(termKeyOf(f.stdout), "status_key/dn_term/0");
  const d = await dissolveDr(lab, { streamIps: true });
  assert.ok(
    d.some((x) => x.startsWith("A: stop (exit 0)")),
    d.join("; "),
  );
  const left = (await hba(a1)).filter((l) =>
    B.some((h) => l.includes(`${h.streamIp}/32`) && /sha256$/.test(l)),
  );
  assert.deepEqual(left, [], "stop removed the stream IPs' DR lines");
});

test("5.0.0: no stream_cluster_run_mode, quoted wal_keep_segments, DR query blind to a cut link, switchover without read-only toggle, failover notifies no DN", {
  skip,
  timeout: 1_500_000,
}, async () => {
  await setOmVersion("5.0.0");
  await dropReplicationTrustLines();
  const runMode = async () => confLines(a1, "stream_cluster_run_mode");
  const before = await runMode();
  const xmlA = await writeDrXml(lab, "A", "B");
  const xmlB = await writeDrXml(lab, "B", "A");
  await startPair(xmlA, xmlB);
  assert.deepEqual(await runMode(), before, "5.0.0's start never sets stream_cluster_run_mode");
  assert.deepEqual(await confLines(a1, "wal_keep_segments"), ["wal_keep_segments = '128'"]);
  // ≤ 5.1.0: the DR side says recovery with the link cut; the primary side's walsender check sees it
  await fault("dr-link-cut", a1, b1);
  try {
    await waitStat(a1, "archive_fail", 60);
    assert.equal((await sdrQuery(lab, b1)).stat, "recovery", "no walreceiver check before 6.0.0");
  } finally {
    await fault("dr-link-restore", a1, b1);
  }
  await waitStat(a1, "archive", 90);
  const ro = async (ip: string) => confLines(ip, "default_transaction_read_only");
  const roBefore = [await ro(a1), await ro(b1)];
  const { d, p } = await switchPair(a1, b1);
  assert.doesNotMatch(d.stdout + p.stdout, /default_transaction_read_only/);
  assert.deepEqual([await ro(a1), await ro(b1)], roBefore, "5.0.0's switchover has no read-only toggle");
  assert.equal(await maintenanceFile(a1), false, "removed in switchover's finally");
  assert.equal(await maintenanceFile(b1), false, "removed in switchover's finally");
  // failover on A (now the DR side): no DN has role Primary there, so no gs_ctl notify; CM starts it
  const f = await sdr(a1, "-t failover");
  assert.equal(f.code, 0, f.stdout + f.stderr);
  assert.doesNotMatch(f.stdout, /notify/);
  assert.equal(await maintenanceFile(a1), false, "failover removes it in a finally");
  await dissolveDr(lab);
});

test("5.0.0: an empty replconninfo slot before the free one fails start (5.0.1 skips it)", {
  skip,
  timeout: T,
}, async () => {
  const slot = `gs_guc set -Z datanode -N all -I all -c`;
  const e = await omm(lab, a1, `${slot} "replconninfo2 = ''"`, 60_000);
  assert.equal(e.code, 0, e.stdout + e.stderr);
  try {
    const xmlA = await writeDrXml(lab, "A", "B");
    await setOmVersion("5.0.0");
    const r = await sdr(
      a1,
      `-t start -m primary -X ${xmlA} -U ${DR_USER} -W ${shq(DR_PWD)} --time-out=30`,
      180_000,
    );
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /search repl infos/);
  } finally {
    await omm(lab, a1, `${slot} "replconninfo2"`, 60_000);
    await dissolveDr(lab);
  }
});

test("7.0.0-RC1 restores wal_keep_segments to '128' (quoted); master's switchover leaves cluster_maintance on the promoted side", {
  skip,
  timeout: 1_500_000,
}, async () => {
  await setOmVersion("7.0.0-RC1");
  await dropReplicationTrustLines();
  const w = await omm(lab, a1, `gs_guc reload -Z datanode -N all -I all -c "wal_keep_segments = 16"`);
  assert.equal(w.code, 0);
  const xmlA = await writeDrXml(lab, "A", "B");
  const xmlB = await writeDrXml(lab, "B", "A");
  await startPair(xmlA, xmlB);
  assert.deepEqual(await confLines(a1, "wal_keep_segments"), ["wal_keep_segments = '128'"]);
  assert.equal(await show(a1, "wal_keep_segments"), "128", "RC1 lacks d7906b0: not the recorded 16");
  await setOmVersion("master");
  await switchPair(a1, b1);
  assert.equal(await maintenanceFile(b1), true, "master's promote side keeps cluster_maintance");
  assert.equal(await maintenanceFile(a1), false, "the demote side removes it at its stage 4");
  await setOmVersion("7.0.0-RC3");
  await switchPair(b1, a1);
  assert.equal(await maintenanceFile(a1), false, "RC3 removes it in a finally");
  await omm(lab, b1, 'rm -f "$GAUSSHOME/bin/cluster_maintance"', 30_000);
  await omm(lab, lab.clusters["B"]!.hosts[1]!.ip, 'rm -f "$GAUSSHOME/bin/cluster_maintance"', 30_000);
  await dissolveDr(lab);
});
