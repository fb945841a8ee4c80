/**
 * What differs between the OM releases users run, in one table (docs/vendor/opengauss-gs_sdr.md §8 as corrected by
 * §10, checked against the public OM repository, tags v5.0.0 … 7.0.0-RC3 and master). The planner, the preflight
 * and the decision read a {@link OmBehaviour}; nothing else compares versions.
 *
 * A cluster's release is line 1 of `$GPHOME/version.cfg` (`openGauss-6.0.3`). OM master builds call themselves
 * `7.0.0-RC3` too (its `build.sh`), so from 7.0.0-RC3 on the master-only behaviours are told apart by what the
 * installed gs_sdr's own scripts contain ({@link MasterMarkers}), not by the version string.
 */

/** The behaviours that differ between releases. */
export interface OmBehaviour {
  /** Row label shown in the plan header (`5.0.x–5.1.x`, `6.0.3+`, `master`, …). */
  label: string;
  /** ConfigHba writes `host replication <pguser> <ip>/32 trust` for HA IPs and remote data IPs (master only). */
  replicationTrustLines: boolean;
  /** DCC key failover/promote write the new term to (under `/<OS user>/CMServer/`). */
  dccTermKey: "status_key/term" | "status_key/dn_term/0";
  /** What `wal_keep_segments` is restored to when start finishes: ≤ 6.0.2 always `128` (its record lookup never matches). */
  walKeepRestore: "always-128" | "recorded";
  /** Source of the `/16` replication segment: ≤ 6.0.1 the IPv4 split, from 6.0.2 `IP_TYPE` (unset → empty segment). */
  segmentSource: "ipv4-split" | "ip-type";
  /** `start` on a cluster already in archive/recovery fails ("start is forbidden"); before 6.0.0 it re-runs. */
  startForbiddenWhenEstablished: boolean;
  /** `-f` (forget start step files) exists (7.0.0-RC2 on). */
  forceOption: boolean;
  /** DR password check: the injection-character list (releases) or master's `check_db_password` regex. */
  passwordRule: "injection-list" | "regex";
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
  /** `check_db_password` in the streaming params handler. */
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

const RELEASE_ROWS: ReadonlyArray<{ from: string; behaviour: OmBehaviour }> = [
  {
    from: "5.0.0",
    behaviour: {
      label: "5.0.x–5.1.x",
      replicationTrustLines: false,
      dccTermKey: "status_key/term",
      walKeepRestore: "always-128",
      segmentSource: "ipv4-split",
      startForbiddenWhenEstablished: false,
      forceOption: false,
      passwordRule: "injection-list",
    },
  },
  {
    from: "6.0.0",
    behaviour: {
      label: "6.0.0–6.0.1",
      replicationTrustLines: false,
      dccTermKey: "status_key/term",
      walKeepRestore: "always-128",
      segmentSource: "ipv4-split",
      startForbiddenWhenEstablished: true,
      forceOption: false,
      passwordRule: "injection-list",
    },
  },
  {
    from: "6.0.2",
    behaviour: {
      label: "6.0.2",
      replicationTrustLines: false,
      dccTermKey: "status_key/term",
      walKeepRestore: "always-128",
      segmentSource: "ip-type",
      startForbiddenWhenEstablished: true,
      forceOption: false,
      passwordRule: "injection-list",
    },
  },
  {
    from: "6.0.3",
    behaviour: {
      label: "6.0.3–6.0.x",
      replicationTrustLines: false,
      dccTermKey: "status_key/term",
      walKeepRestore: "recorded",
      segmentSource: "ip-type",
      startForbiddenWhenEstablished: true,
      forceOption: false,
      passwordRule: "injection-list",
    },
  },
  {
    from: "7.0.0-RC2",
    behaviour: {
      label: "7.0.0-RC2–RC3",
      replicationTrustLines: false,
      dccTermKey: "status_key/term",
      walKeepRestore: "recorded",
      segmentSource: "ip-type",
      startForbiddenWhenEstablished: true,
      forceOption: true,
      passwordRule: "injection-list",
    },
  },
];

/** OM master (commit 792253f, 2026-11): the release rows' newest plus the three master-only changes. */
export const MASTER_BEHAVIOUR: OmBehaviour = {
  label: "master",
  replicationTrustLines: true,
  dccTermKey: "status_key/dn_term/0",
  walKeepRestore: "recorded",
  segmentSource: "ip-type",
  startForbiddenWhenEstablished: true,
  forceOption: true,
  passwordRule: "regex",
};

/** Releases whose gs_sdr was read; any other version is planned as the nearest row below it, with a warning. */
export const CHECKED_RELEASES: readonly string[] = [
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
  "7.0.0-RC2",
  "7.0.0-RC3",
];

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
  let row = RELEASE_ROWS[0]!.behaviour;
  for (const r of RELEASE_ROWS) if (compareOmVersions(version, v(r.from)) >= 0) row = r.behaviour;
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
    out.warning = `OM ${version.text} is not a release that was checked: planned as ${behaviour.label}, the nearest one below it`;
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
