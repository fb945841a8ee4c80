/**
 * What differs between the OM releases users run, in one table (docs/vendor/opengauss-gs_sdr.md §8 as corrected by
 * §10, checked against the public OM repository, tags v5.0.0 … 7.0.0-RC3 and master). The planner, the preflight
 * and the decision read a {@link OmBehaviour}; nothing else compares versions.
 *
 * A cluster's release is line 1 of `$GPHOME/version.cfg` (`openGauss-6.0.3`). OM master builds call themselves
 * `7.0.0-RC3` too (its `build.sh`), so from 7.0.0-RC3 on the master-only behaviours are told apart by what the
 * installed gs_sdr's own scripts contain ({@link MasterMarkers}), not by the version string. Every release is a
 * row of {@link RELEASE_TABLE}, with the reason for each difference.
 */

/** The behaviours that differ between releases. */
export interface OmBehaviour {
  /** Row label shown in the plan header: the release name (`5.0.0`, `7.0.0-RC1`, `master`, …). */
  label: string;
  /** ConfigHba writes `host replication <pguser> <ip>/32 trust` for HA IPs and remote data IPs (master only). */
  replicationTrustLines: boolean;
  /** DCC key failover/promote write the new term to (under `/<OS user>/CMServer/`). */
  dccTermKey: "status_key/term" | "status_key/dn_term/0";
  /** What `wal_keep_segments` is restored to when start finishes: `always-128` where the record lookup never matches. */
  walKeepRestore: "always-128" | "recorded";
  /** `set_wal_keep_segments` writes `wal_keep_segments = '%s'` (quoted) instead of bare `%s`. */
  walKeepQuoted: boolean;
  /** Source of the `/16` replication segment: ≤ 6.0.1 the IPv4 split, from 6.0.2 `IP_TYPE` (unset → empty segment). */
  segmentSource: "ipv4-split" | "ip-type";
  /** `start` on a cluster already in archive/recovery fails ("start is forbidden"); before 6.0.0 it re-runs. */
  startForbiddenWhenEstablished: boolean;
  /** `-f` (forget start step files) exists (7.0.0-RC2 on). */
  forceOption: boolean;
  /** DR password check: the injection-character list (releases) or master's `check_db_password` regex. */
  passwordRule: "injection-list" | "regex";
  /** start, switchover and failover set `stream_cluster_run_mode` (5.0.1 on; 5.0.0 defines it and never calls it). */
  setsStreamRunMode: boolean;
  /** switchover toggles `default_transaction_read_only` on the DNs (5.0.1 on). */
  switchoverReadOnlyToggle: boolean;
  /** start fails ("search repl infos") on an empty `replconninfoN=''` slot before the DR slot (5.0.0); later ones skip it. */
  emptyReplconninfoFails: boolean;
  /** DR-side `query` checks the walreceiver (6.0.0 on); before, it says `recovery` whatever the link does. */
  drQueryChecksWalreceiver: boolean;
  /** The DN role failover and switchover-promote `gs_ctl notify` with the new term: `Primary` ≤ 5.1.0 (none on a DR cluster). */
  failoverNotifyRole: "Primary" | "Main Standby";
  /** switchover leaves `$GAUSSHOME/bin/cluster_maintance` on the promoted cluster's nodes (master: no `finally`). */
  switchoverLeavesMaintenanceFile: boolean;
}

/** One release of the table: what differs from the row before it, each with the source reason. */
export interface OmReleaseRow {
  /** The release name (`5.0.0`, `7.0.0-RC1`, `master`). */
  release: string;
  /** Behaviours that differ from the previous row (the first row is complete). */
  changes: Partial<Omit<OmBehaviour, "label">>;
  /** Why, per changed behaviour: where the OM source shows it. */
  reasons: Partial<Record<keyof Omit<OmBehaviour, "label">, string>>;
}

/** A release version as numbers; `rc` is Infinity for a final release (so 7.0.0-RC3 < 7.0.0). */
export interface OmVersion {
  /** The text it was parsed from (e.g. `7.0.0-RC2`). */
  text: string;
  major: number;
  minor: number;
  patch: number;
  rc: number;
}

/** Whether the installed gs_sdr scripts contain each master-only change (null: the scripts could not be read). */
export interface MasterMarkers {
  /** `status_key/dn_term/0` in streaming_base.py (OM commit fe6c09f). */
  dnTermKey: boolean | null;
  /** the `host    replication    %s …trust` line in DN_OLAP.py. */
  replicationTrust: boolean | null;
  /** the `SecurityChecker.check_db_password` call in the streaming params handler (every release has the comment). */
  passwordRegex: boolean | null;
}

/** The cluster's release as the planner uses it. */
export interface OmRelease {
  /** The version line as read (line 1 of version.cfg), or null when it could not be read. */
  read: string | null;
  /** The behaviour planned. */
  behaviour: OmBehaviour;
  /** Set when the release is not one that was checked: what was assumed instead. */
  warning?: string;
}

/**
 * Every release read in the OM source, oldest first (docs/vendor/opengauss-gs_sdr.md §8, §10, §11); each row
 * names what differs from the row before it and why. A release with no changes behaves as the one before it.
 */
export const RELEASE_TABLE: readonly OmReleaseRow[] = [
  {
    release: "5.0.0",
    changes: {
      replicationTrustLines: false,
      dccTermKey: "status_key/term",
      walKeepRestore: "always-128",
      walKeepQuoted: true,
      segmentSource: "ipv4-split",
      startForbiddenWhenEstablished: false,
      forceOption: false,
      passwordRule: "injection-list",
      setsStreamRunMode: false,
      switchoverReadOnlyToggle: false,
      emptyReplconninfoFails: true,
      drQueryChecksWalreceiver: false,
      failoverNotifyRole: "Primary",
      switchoverLeavesMaintenanceFile: false,
    },
    reasons: {
      walKeepRestore:
        "set_wal_keep_segments looks the record up with value.get(inst.instanceId, 128): int key, str-keyed dict",
      walKeepQuoted: "__set_wal_keep_segments_each_inst writes wal_keep_segments = '%s'",
      setsStreamRunMode:
        "set_stream_cluster_run_mode_guc is defined but start, switchover and failover never call it",
      switchoverReadOnlyToggle: "switchover has no set_cluster_read_only_params",
      emptyReplconninfoFails:
        "the replconninfo search has no `replconninfoN=''` skip: an empty slot raises 'search repl infos'",
      drQueryChecksWalreceiver: "check_recovery has no walreceiver SQL",
      failoverNotifyRole:
        "_failover_start_step calls get_specified_dn_infos() with its default dn_status 'Primary'",
      switchoverLeavesMaintenanceFile: "switchover removes cluster_maintance in a finally",
    },
  },
  {
    release: "5.0.1",
    changes: { setsStreamRunMode: true, switchoverReadOnlyToggle: true, emptyReplconninfoFails: false },
    reasons: {
      setsStreamRunMode:
        "start stage 5, switchover stage 3 and failover call set_stream_cluster_run_mode_guc",
      switchoverReadOnlyToggle:
        "switchover sets default_transaction_read_only on, then off (set_cluster_read_only_params)",
      emptyReplconninfoFails: "`if output.count(f\"replconninfo{idx}=''\") >= 2: continue` skips empty slots",
    },
  },
  { release: "5.0.2", changes: {}, reasons: {} },
  { release: "5.0.3", changes: {}, reasons: {} },
  {
    release: "5.0.5",
    changes: { walKeepQuoted: false },
    reasons: { walKeepQuoted: "__set_wal_keep_segments_each_inst writes wal_keep_segments = %s (bare)" },
  },
  {
    release: "5.1.0",
    changes: { walKeepQuoted: true },
    reasons: { walKeepQuoted: "5.1.0 still writes wal_keep_segments = '%s' (the 5.0.5 change is not on it)" },
  },
  {
    release: "6.0.0",
    changes: {
      startForbiddenWhenEstablished: true,
      drQueryChecksWalreceiver: true,
      failoverNotifyRole: "Main Standby",
    },
    reasons: {
      startForbiddenWhenEstablished:
        "start checks .hadr_cluster_stat: 'start is forbidden' in archive/recovery",
      drQueryChecksWalreceiver:
        "check_recovery runs the walreceiver SQL on the main standby (commit 55d0e47)",
      failoverNotifyRole: 'get_specified_dn_infos(dn_status="Main Standby")',
    },
  },
  { release: "6.0.1", changes: {}, reasons: {} },
  {
    release: "6.0.2",
    changes: { segmentSource: "ip-type", walKeepQuoted: false },
    reasons: {
      segmentSource: "the /16 replication segment follows IP_TYPE",
      walKeepQuoted: "wal_keep_segments = %s (bare)",
    },
  },
  {
    release: "6.0.3",
    changes: { walKeepRestore: "recorded" },
    reasons: { walKeepRestore: "value.get(str(inst.instanceId), 128) finds the recorded value (d7906b0)" },
  },
  { release: "6.0.5", changes: {}, reasons: {} },
  {
    release: "7.0.0-RC1",
    changes: { walKeepRestore: "always-128", walKeepQuoted: true },
    reasons: {
      walKeepRestore:
        "branch 7.0.0-RC1 lacks d7906b0: value.get(inst.instanceId, 128) never matches, 128 is restored",
      walKeepQuoted: "branch 7.0.0-RC1 writes wal_keep_segments = '%s'",
    },
  },
  {
    release: "7.0.0-RC2",
    changes: { walKeepRestore: "recorded", walKeepQuoted: false, forceOption: true },
    reasons: {
      walKeepRestore: "str(inst.instanceId) lookup",
      walKeepQuoted: "wal_keep_segments = %s (bare)",
      forceOption: "params_handler accepts -f",
    },
  },
  { release: "7.0.0-RC3", changes: {}, reasons: {} },
  {
    release: "master",
    changes: {
      replicationTrustLines: true,
      dccTermKey: "status_key/dn_term/0",
      passwordRule: "regex",
      switchoverLeavesMaintenanceFile: true,
    },
    reasons: {
      replicationTrustLines: "DN_OLAP ConfigHba adds host replication <user> <ip>/32 trust",
      dccTermKey: "term_key = status_key/dn_term/0 (fe6c09f)",
      passwordRule: "params_handler calls SecurityChecker.check_db_password",
      switchoverLeavesMaintenanceFile:
        "switchover's finally is gone: the promote side (-m primary) keeps the cluster_maintance it created",
    },
  },
];

function behaviourOf(index: number): OmBehaviour {
  let b = { label: "" } as OmBehaviour;
  for (let i = 0; i <= index; i++) b = { ...b, ...RELEASE_TABLE[i]!.changes };
  return { ...b, label: RELEASE_TABLE[index]!.release };
}

/** Each release's full behaviour, by name. */
export const RELEASE_BEHAVIOURS: Readonly<Record<string, OmBehaviour>> = Object.fromEntries(
  RELEASE_TABLE.map((r, i) => [r.release, behaviourOf(i)]),
);

/** OM master (commit 792253f, 2026-11): 7.0.0-RC3 plus the master-only changes. */
export const MASTER_BEHAVIOUR: OmBehaviour = RELEASE_BEHAVIOURS["master"]!;

/** Releases whose gs_sdr was read; any other version is planned as the nearest row below it, with a warning. */
export const CHECKED_RELEASES: readonly string[] = RELEASE_TABLE.map((r) => r.release).filter(
  (r) => r !== "master",
);

/** The first version whose build string OM master also uses. */
const MASTER_BUILD_VERSION = "7.0.0-RC3";

/** Parses `openGauss-6.0.3`, `6.0.3`, `7.0.0-RC2` (anything containing such a version); null otherwise. */
export function parseOmVersion(text: string): OmVersion | null {
  const m = /(\d+)\.(\d+)\.(\d+)(?:-RC(\d+))?/i.exec(text);
  if (!m) return null;
  return {
    text: m[0],
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    rc: m[4] === undefined ? Number.POSITIVE_INFINITY : Number(m[4]),
  };
}

/** Orders two versions (negative when a < b). */
export function compareOmVersions(a: OmVersion, b: OmVersion): number {
  return (
    a.major - b.major || a.minor - b.minor || a.patch - b.patch || (a.rc === b.rc ? 0 : a.rc < b.rc ? -1 : 1)
  );
}

function v(text: string): OmVersion {
  return parseOmVersion(text)!;
}

function rowFor(version: OmVersion): OmBehaviour {
  let row = RELEASE_BEHAVIOURS[CHECKED_RELEASES[0]!]!;
  for (const r of CHECKED_RELEASES) if (compareOmVersions(version, v(r)) >= 0) row = RELEASE_BEHAVIOURS[r]!;
  return row;
}

/**
 * The behaviour of a cluster from its version line and, from 7.0.0-RC3 on, the master markers of its installed
 * scripts. Pure.
 */
export function omRelease(versionLine: string | null, markers?: MasterMarkers): OmRelease {
  const newest = v(CHECKED_RELEASES[CHECKED_RELEASES.length - 1]!);
  const version = versionLine === null ? null : parseOmVersion(versionLine);
  if (version === null) {
    return {
      read: versionLine,
      behaviour: MASTER_BEHAVIOUR,
      warning: `the OM version could not be read from $GPHOME/version.cfg${versionLine ? ` ("${versionLine}")` : ""}: planned as OM master`,
    };
  }
  if (compareOmVersions(version, v(MASTER_BUILD_VERSION)) >= 0) {
    const m = markers ?? { dnTermKey: null, replicationTrust: null, passwordRegex: null };
    const base = compareOmVersions(version, newest) > 0 ? MASTER_BEHAVIOUR : rowFor(version);
    const unread = m.dnTermKey === null || m.replicationTrust === null || m.passwordRegex === null;
    const behaviour: OmBehaviour = {
      ...base,
      replicationTrustLines: m.replicationTrust ?? base.replicationTrustLines,
      dccTermKey:
        (m.dnTermKey ?? base.dccTermKey === "status_key/dn_term/0")
          ? "status_key/dn_term/0"
          : "status_key/term",
      passwordRule: (m.passwordRegex ?? base.passwordRule === "regex") ? "regex" : "injection-list",
    };
    const isMaster = behaviour.replicationTrustLines && behaviour.dccTermKey === "status_key/dn_term/0";
    behaviour.label = isMaster ? "master" : base === MASTER_BEHAVIOUR ? "master (partly)" : base.label;
    behaviour.switchoverLeavesMaintenanceFile = isMaster || base.switchoverLeavesMaintenanceFile;
    const out: OmRelease = { read: versionLine, behaviour };
    if (unread)
      out.warning = `the installed gs_sdr scripts under $GPHOME/script could not be read: ${version.text} planned as ${base.label}`;
    else if (compareOmVersions(version, newest) > 0)
      out.warning = `OM ${version.text} is newer than the newest release checked (${newest.text}): planned from its scripts as ${behaviour.label}`;
    return out;
  }
  const behaviour = rowFor(version);
  const out: OmRelease = { read: versionLine, behaviour };
  if (!CHECKED_RELEASES.some((r) => compareOmVersions(v(r), version) === 0))
    out.warning = `OM ${version.text} is not a release that was checked: planned as ${behaviour.label}, ${compareOmVersions(version, v(behaviour.label)) > 0 ? "the nearest one below it" : "the oldest one checked"}`;
  return out;
}

/** The plan header line naming each cluster's release, e.g. `OM release: A 5.0.3 (5.0.x–5.1.x), B 5.0.3 (…)`. */
export function releaseHeader(releases: Record<string, OmRelease>): string {
  const parts = Object.keys(releases)
    .sort()
    .map((c) => {
      const r = releases[c]!;
      const version = r.read === null ? "unknown" : (parseOmVersion(r.read)?.text ?? r.read);
      return `${c} ${version} (${r.behaviour.label})`;
    });
  return `OM release: ${parts.join(", ")}`;
}
