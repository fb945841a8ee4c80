/**
 * The gs_sdr side of the lab fault `sdr-fail <ip> <task>[:<mode>] <stage>`: a marker
 * `<labDir>/faults/sdrfail_<task>[_<mode>]` holding a stage name. The next gs_sdr run of that task (and
 * mode) on that host fails at that stage the way the real tool fails there. The marker is consumed when the
 * fault fires (exactly one run fails; the re-run resumes normally); `lab reset` removes unfired markers.
 *
 * Stages (each is where the real code has a failure path):
 * - `switchover:primary barrier`: `gs_streaming_dr_get_switchover_barrier()` never returns `t` in this run,
 *   so the barrier wait runs into `--time-out` (cluster restart, `promote_fail`, exit 1);
 * - `switchover:primary term`, `failover term`: `select term from pg_last_xlog_replay_location()` gives 0,
 *   so `Exception: Failed get term` (state `promote_fail`, step file kept: a re-run resumes);
 * - `switchover:disaster_standby barrier`: `gs_streaming_dr_in_switchover()` returns `f`
 *   (`… generate switchover barrier before switchover.`, then the demote rollback);
 * - `failover notify`: `gs_ctl notify -M primary` fails (`… config primary dn <id> with error:…`);
 * - `start:primary connection`: the main standby never shows as connected (`backup_fail` at `--time-out`);
 * - `start:disaster_standby build`: every main standby build ends `Build failed` (three tries, `restore_fail`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { defaultLabDir } from "../faultmarks";
import { faultDir } from "../layout";

/** Stages `sdr-fail` accepts, by `task[:mode]`. */
export const SDR_FAIL_STAGES: Readonly<Record<string, readonly string[]>> = {
  "switchover:primary": ["barrier", "term"],
  "switchover:disaster_standby": ["barrier"],
  failover: ["term", "notify"],
  "start:primary": ["connection"],
  "start:disaster_standby": ["build"],
};

/** Marker file name of a `task[:mode]` key. */
export function sdrFailMarker(key: string): string {
  return `sdrfail_${key.replace(":", "_")}`;
}

/** The armed failure points of one gs_sdr run. */
export class FaultPoints {
  private readonly fired = new Set<string>();
  private readonly file: string;

  /** Looks for the marker of `task` (and `mode` where the task has one) in the host's fault dir. */
  constructor(task: string, mode: string | undefined, labDir = defaultLabDir()) {
    const key = task === "start" || task === "switchover" ? `${task}:${mode ?? ""}` : task;
    this.file = path.join(faultDir(labDir), sdrFailMarker(key));
  }

  /** True when this run must fail at `stage` (the marker is consumed the first time). */
  hit(stage: string): boolean {
    if (this.fired.has(stage)) return true;
    let want: string;
    try {
      want = fs.readFileSync(this.file, "utf8").trim();
    } catch {
      return false;
    }
    if (want !== stage) return false;
    fs.rmSync(this.file, { force: true });
    this.fired.add(stage);
    return true;
  }
}
