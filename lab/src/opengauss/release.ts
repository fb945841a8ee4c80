/**
 * The openGauss-OM releases the lab emulates, and what their gs_sdr does differently
 * (docs/vendor/opengauss-gs_sdr.md §8 as corrected by §10, checked against the OM tags). One table, one lookup:
 * the emulated gs_sdr reads line 1 of `$GPHOME/version.cfg` at run time and asks {@link omBehaviour} —
 * no other module compares versions.
 *
 * `master` is written as `openGauss-7.0.0-RC3`, as OM master builds call themselves (its `build.sh`); what
 * tells master from the 7.0.0-RC3 release on a host is the installed OM scripts (stand-ins under
 * `$GPHOME/script`, {@link installedScripts}), as on a real install.
 */
import { createHash } from "node:crypto";

/** Release names the lab documents (`--om-version`); any `X.Y.Z[-RCn]` is accepted too. */
const KNOWN_OM_RELEASES = [
  "5.0.0",
  "5.0.1",
  "5.0.2",
  "5.0.3",
  "5.0.5",
  "5.1.0",
  "6.0.0",
  "6.0.1",
  "6.0.2",
  "6.0.3",
  "6.0.5",
  "7.0.0-RC1",
  "7.0.0-RC2",
  "7.0.0-RC3",
  "master",
] as const;

/** The release a cluster gets when none is chosen. */
export const DEFAULT_OM_RELEASE = "master";

/** The version master builds write into version.cfg (OM master's `build.sh` `version_number`). */
const MASTER_VERSION = "7.0.0-RC3";

/** The OM script files whose content differs on master (paths under `$GPHOME/script`). */
const SCRIPT_FILES = {
  base: "impl/streaming_disaster_recovery/streaming_base.py",
  hba: "gspylib/component/Kernel/DN_OLAP/DN_OLAP.py",
  params: "impl/streaming_disaster_recovery/params_handler.py",
} as const;

/**
 * Stand-ins for the installed OM scripts where master differs from the releases: comment lines naming what
 * that file does on this release (the real files are Python; the lab's gs_sdr is emulated). Master's name the
 * term key `status_key/dn_term/0`, the `host    replication    %s` trust line and `check_db_password`.
 */
export function installedScripts(release: string): Record<string, string> {
  const master = release === "master";
  const head = `# pulumi-hadr lab: stand-in for openGauss-OM ${release}'s`;
  return {
    [SCRIPT_FILES.base]: `${head} streaming_base.py\n# failover/promote write the new term to status_key/${master ? "dn_term/0" : "term"}\n`,
    [SCRIPT_FILES.hba]: `${head} DN_OLAP.py\n${master ? '# ConfigHba adds "host    replication    %s    %s/%s    trust" for HA IPs and remote dataIps\n' : "# no replication trust lines\n"}`,
    // every release carries OM's own comment line; only master calls the check (SecurityChecker.check_db_password)
    [SCRIPT_FILES.params]: `${head} params_handler.py\n    # check_db_password will be used in cloud scene\n# DR password check: ${master ? "SecurityChecker.check_db_password(description, value) (regex)" : "injection-character list"}\n`,
  };
}

/** What one OM release's gs_sdr does where releases differ. */
export interface OmBehaviour {
  /** start refuses a cluster whose `.hadr_cluster_stat` says archive/recovery (v6.0.0+). */
  startForbiddenInArchive: boolean;
  /** stop without a streaming cabin ends with "No need to stop …" (v6.0.0+). */
  stopNeedsCabin: boolean;
  /** `-f` exists (7.0.0-RC2+); older parsers reject it as an unknown option. */
  forceOption: boolean;
  /** start's last stage restores the recorded wal_keep_segments (v6.0.3+, not 7.0.0-RC1); else always 128. */
  walKeepRestoresRecorded: boolean;
  /** wal_keep_segments is written quoted (`'N'`): 5.0.0–5.0.3, 5.1.0, 6.0.0, 6.0.1, 7.0.0-RC1. */
  walKeepQuoted: boolean;
  /** start, switchover and failover set stream_cluster_run_mode (5.0.1+; 5.0.0 never calls it). */
  setsStreamRunMode: boolean;
  /** switchover toggles default_transaction_read_only (5.0.1+). */
  switchoverReadOnlyToggle: boolean;
  /** start fails ("search repl infos") on an empty `replconninfoN=''` before the DR slot (5.0.0 only). */
  emptyReplconninfoFails: boolean;
  /** DR-side query runs the walreceiver SQL (6.0.0+); before, `recovery` whenever the cluster is healthy. */
  drQueryChecksWalreceiver: boolean;
  /** failover notifies the Main Standby DNs (6.0.0+); ≤ 5.1.0 only DNs whose role is Primary. */
  failoverNotifiesMainStandby: boolean;
  /** switchover removes cluster_maintance in a `finally` (every release; not master). */
  maintenanceFileFinally: boolean;
  /** The `/16` replication segment follows `IP_TYPE` (v6.0.2+); before, always the IPv4 split. */
  segmentFromIpType: boolean;
  /** `host replication <pguser> <ip>/32 trust` for DN HA IPs and remote dataIps (master only). */
  replicationTrustLines: boolean;
  /** DR password rule: OM's injection list (releases) or `check_db_password`'s regex (master). */
  passwordRule: "injection" | "regex";
  /** DCC key (under `/<OS user>/CMServer/`) failover/promote write the term to. */
  termKey: "status_key/term" | "status_key/dn_term/0";
}

/** A parsed `X.Y.Z[-RCn]`: comparable tuple; a final release sorts after its RCs. */
type Ver = [number, number, number, number];

/** Parses `5.0.3`, `7.0.0-RC2`, `openGauss-6.0.0` (case-insensitive RC); undefined when not a version. */
function parseOmVersion(v: string): Ver | undefined {
  const m = /^(?:openGauss-)?(\d+)\.(\d+)\.(\d+)(?:-RC(\d+))?$/i.exec(v.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1000 : Number(m[4])];
}

function atLeast(v: Ver, since: string): boolean {
  const s = parseOmVersion(since)!;
  for (let i = 0; i < 4; i++) if (v[i]! !== s[i]!) return v[i]! > s[i]!;
  return true;
}

/**
 * Where each behaviour starts (first version that has it). Master-only rows start after 7.0.0-RC3
 * (the newest release) — at 7.0.0 — so `master` has them and every release does not.
 */
const SINCE: Record<Exclude<keyof OmBehaviour, OddRows>, string> = {
  startForbiddenInArchive: "6.0.0",
  stopNeedsCabin: "6.0.0",
  forceOption: "7.0.0-RC2",
  segmentFromIpType: "6.0.2",
  replicationTrustLines: "7.0.0",
  passwordRule: "7.0.0",
  termKey: "7.0.0",
  setsStreamRunMode: "5.0.1",
  switchoverReadOnlyToggle: "5.0.1",
  drQueryChecksWalreceiver: "6.0.0",
  failoverNotifiesMainStandby: "6.0.0",
};

/** Behaviours that do not simply start at one release (OM branches took fixes in a different order). */
type OddRows =
  | "walKeepRestoresRecorded"
  | "walKeepQuoted"
  | "emptyReplconninfoFails"
  | "maintenanceFileFinally";

/** Releases having each odd behaviour (`master` is named as such). */
const ODD: Record<OddRows, readonly string[]> = {
  walKeepRestoresRecorded: ["6.0.3", "6.0.5", "7.0.0-RC2", "7.0.0-RC3", "master"],
  walKeepQuoted: ["5.0.0", "5.0.1", "5.0.2", "5.0.3", "5.1.0", "6.0.0", "6.0.1", "7.0.0-RC1"],
  emptyReplconninfoFails: ["5.0.0"],
  maintenanceFileFinally: KNOWN_OM_RELEASES.filter((r) => r !== "master"),
};

/** Where an unknown version gets an odd behaviour: the nearest known release at or below it. */
function nearestKnown(v: Ver): string {
  let best: string = KNOWN_OM_RELEASES[0];
  for (const r of KNOWN_OM_RELEASES) if (r !== "master" && atLeast(v, r)) best = r;
  return best;
}

/** The behaviour of a version (`5.0.3`, `openGauss-6.0.0`, `master`); unparsable text → master's. */
export function omBehaviour(version: string): OmBehaviour {
  const v = version === "master" ? undefined : parseOmVersion(version);
  const has = (k: Exclude<keyof OmBehaviour, OddRows>): boolean => (v ? atLeast(v, SINCE[k]) : true);
  const name = v ? nearestKnown(v) : "master";
  const odd = (k: OddRows): boolean => ODD[k].includes(name);
  return {
    walKeepRestoresRecorded: odd("walKeepRestoresRecorded"),
    walKeepQuoted: odd("walKeepQuoted"),
    emptyReplconninfoFails: odd("emptyReplconninfoFails"),
    maintenanceFileFinally: odd("maintenanceFileFinally"),
    setsStreamRunMode: has("setsStreamRunMode"),
    switchoverReadOnlyToggle: has("switchoverReadOnlyToggle"),
    drQueryChecksWalreceiver: has("drQueryChecksWalreceiver"),
    failoverNotifiesMainStandby: has("failoverNotifiesMainStandby"),
    startForbiddenInArchive: has("startForbiddenInArchive"),
    stopNeedsCabin: has("stopNeedsCabin"),
    forceOption: has("forceOption"),
    segmentFromIpType: has("segmentFromIpType"),
    replicationTrustLines: has("replicationTrustLines"),
    passwordRule: has("passwordRule") ? "regex" : "injection",
    termKey: has("termKey") ? "status_key/dn_term/0" : "status_key/term",
  };
}

/** Normalises a `--om-version` value (`master`, `X.Y.Z[-RCn]`); throws on anything else. */
export function normaliseOmRelease(v: string): string {
  const t = v.trim();
  if (t === "master") return t;
  const p = parseOmVersion(t);
  if (!p || /^openGauss-/i.test(t))
    throw new Error(
      `unknown openGauss-OM release ${JSON.stringify(v)} (known: ${KNOWN_OM_RELEASES.join(", ")})`,
    );
  return t.replace(/-rc/i, "-RC");
}

/**
 * The three lines of version.cfg for a release: `openGauss-<version>` (master: `openGauss-7.0.0-RC3`), a
 * number, and an 8-hex commit id that differs per release (gs_sdr compares it between the clusters).
 */
export function versionCfg(release: string): string {
  const version = release === "master" ? MASTER_VERSION : release;
  const commit = createHash("sha256").update(`openGauss-OM ${release}`).digest("hex").slice(0, 8);
  return `openGauss-${version}\n92.605\n${commit}\n`;
}

/** Preinstall exports `IP_TYPE=ipv4` in the env file from v6.0.0 on (`PreInstallUtility.py`); never before. */
export function exportsIpType(release: string): boolean {
  const v = release === "master" ? undefined : parseOmVersion(release);
  return v ? atLeast(v, "6.0.0") : true;
}

/**
 * The release of an install: version.cfg's line 1, and for {@link MASTER_VERSION} whether the installed
 * streaming_base.py (text, when readable) is master's; undefined if the version is unknown.
 */
export function releaseOfVersionCfg(text: string, streamingBase?: string): string | undefined {
  const m = /^openGauss-(\S+)/.exec(text.split("\n")[0]?.trim() ?? "");
  if (!m || !parseOmVersion(m[1]!)) return undefined;
  if (m[1] === MASTER_VERSION && (streamingBase ?? "").includes("status_key/dn_term/0")) return "master";
  return m[1];
}

/** Path of the installed streaming_base.py stand-in under a `$GPHOME`. */
export function streamingBasePath(gphome: string): string {
  return `${gphome}/script/${SCRIPT_FILES.base}`;
}

/** Selects a release per cluster from `--om-version`: `v` (every cluster) or `A=v,B=w` (the others keep theirs). */
export function parseOmVersionOption(value: string, clusters: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const parts = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 1 && !parts[0]!.includes("=")) {
    const r = normaliseOmRelease(parts[0]!);
    for (const c of clusters) out[c] = r;
    return out;
  }
  for (const p of parts) {
    const eq = p.indexOf("=");
    const c = p.slice(0, eq).trim();
    if (eq < 0 || !clusters.includes(c))
      throw new Error(
        `--om-version: expected <release> or <cluster>=<release>,… (clusters ${clusters.join(", ")}), got ${JSON.stringify(p)}`,
      );
    out[c] = normaliseOmRelease(p.slice(eq + 1));
  }
  return out;
}
