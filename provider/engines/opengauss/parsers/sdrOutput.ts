/**
 * Streaming classifier of gs_sdr stdout (docs/vendor/opengauss-gs_sdr.md §1.5, §3): the header with its trace id, the
 * per-task success sentinel, `[GAUSS-xxxxx] : msg` errors, step lines (`Got the continue step:[n] …`), progress
 * percentages and the milestone lines worth relaying as progress. Pure: feed it chunks, get classified lines.
 */

/** gs_sdr tasks. */
type SdrTaskName = "start" | "stop" | "switchover" | "failover" | "query";

/** One classified stdout line. */
export type SdrLine =
  | { kind: "rule"; text: string }
  | { kind: "header"; text: string; task: SdrTaskName; traceId: string }
  | { kind: "success"; text: string; task: SdrTaskName }
  | { kind: "error"; text: string; code: string; message: string }
  | { kind: "step"; text: string; task: string; step: number }
  | { kind: "progress"; text: string; percent: number }
  | { kind: "milestone"; text: string; label: string }
  | { kind: "warning"; text: string }
  | { kind: "traceback"; text: string }
  | { kind: "info"; text: string };

const TASKS = "start|stop|switchover|failover|query";
const RULE = /^-{80}$/;
const HEADER = new RegExp(`^Streaming disaster recovery (${TASKS}) ([0-9a-f]{32})$`);
const SUCCESS = /^Successfully do streaming disaster recovery (start|stop|switchover|failover)\.$/;
const QUERY_SUCCESS = /^Successfully execute(?:d)? streaming disaster recovery query, result:/;
const ERROR = /\[GAUSS-(\d{5})\]\s*:\s*(.*)$/;
const STEP_FRESH = /^Got the step for action:\[(\w+)\]\.$/;
const STEP_FRESH_DOC = /^Got step:\[(-?\d+)\] for action:\[(\w+)\]\.$/;
const STEP_CONTINUE = /^Got the continue step:\[(-?\d+)\] for action:\[(\w+)\]\.$/;
const PERCENT = /^(\d{1,3})%$/;

/** Milestone lines relayed as progress, with a short label (first match wins). */
const SDR_MILESTONES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^Start create streaming disaster relationship/, "start: begin"],
  [/^Successfully check disaster recovery user\.$/, "start: DR user checked"],
  [/^Successfully check cluster status is: (\w+)\.$/, "cluster status checked"],
  [/^Successfully update pg_hba config\.$/, "pg_hba updated"],
  [/^Start prepare secure files\.$/, "start: preparing secure files"],
  [/^Successfully reload wal_keep_segments value: 16384\.$/, "start: wal_keep_segments raised"],
  [/^Waiting for the main standby connection\.$/, "start: waiting for the main standby"],
  [/^Main standby already connected\.$/, "start: main standby connected"],
  [/^Start build key files from remote cluster\.$/, "start: fetching key files from the primary cluster"],
  [/^Stopping the cluster by node\.$/, "stopping the cluster"],
  [/^Start building process\.$/, "start: full build"],
  [/^Start build main standby dn:(\d+)$/, "start: building the main standby"],
  [/^Successfully build main standby dn:(\d+)$/, "start: main standby built"],
  [/^Start build cascade standby dn:(\d+)$/, "start: building a cascade standby"],
  [/^Starting the cluster\.$/, "starting the cluster"],
  [/^Waiting cluster normal\.$/, "waiting for the cluster to be Normal"],
  [/^Start streaming disaster switchover\.$/, "switchover: begin"],
  [/^Waiting for switchover barrier\.$/, "switchover: waiting for the barrier"],
  [/^Waiting for truncation\.$/, "switchover: waiting for truncation"],
  [/^Roll back streaming disaster cluster switchover/, "switchover: rolling back"],
  [/^Start streaming disaster failover\.$/, "failover: begin"],
  [/^Start remove streaming disaster relationship\.$/, "stop: begin"],
  [/^Successfully removed step file\.$/, "step file removed"],
];

/** Classifies one stdout line of gs_sdr (without its newline). */
export function classifySdrLine(line: string): SdrLine {
  const text = line.replace(/\r$/, "");
  const t = text.trim();
  if (RULE.test(t)) return { kind: "rule", text };
  let m = HEADER.exec(t);
  if (m) return { kind: "header", text, task: m[1] as SdrTaskName, traceId: m[2]! };
  m = SUCCESS.exec(t);
  if (m) return { kind: "success", text, task: m[1] as SdrTaskName };
  if (QUERY_SUCCESS.test(t)) return { kind: "success", text, task: "query" };
  m = ERROR.exec(t);
  if (m) return { kind: "error", text, code: `GAUSS-${m[1]}`, message: m[2]!.trim() };
  m = STEP_FRESH.exec(t);
  if (m) return { kind: "step", text, task: m[1]!, step: -1 };
  m = STEP_FRESH_DOC.exec(t);
  if (m) return { kind: "step", text, task: m[2]!, step: Number(m[1]) };
  m = STEP_CONTINUE.exec(t);
  if (m) return { kind: "step", text, task: m[2]!, step: Number(m[1]) };
  m = PERCENT.exec(t);
  if (m && Number(m[1]) <= 100) return { kind: "progress", text, percent: Number(m[1]) };
  if (/^Traceback \(most recent call last\):/.test(t)) return { kind: "traceback", text };
  if (/^Warning:/i.test(t)) return { kind: "warning", text };
  for (const [re, label] of SDR_MILESTONES) {
    if (re.test(t)) return { kind: "milestone", text, label };
  }
  return { kind: "info", text };
}

/** Splits a byte/char stream into complete lines; feed chunks with {@link push}, then {@link flush} at the end. */
export class SdrLineSplitter {
  private buffer = "";

  /** Adds a chunk; returns the lines it completed, classified. */
  push(chunk: string): SdrLine[] {
    this.buffer += chunk;
    const parts = this.buffer.split("\n");
    this.buffer = parts.pop() ?? "";
    return parts.map(classifySdrLine);
  }

  /** Returns the last, unterminated line (if any), classified. */
  flush(): SdrLine[] {
    const rest = this.buffer;
    this.buffer = "";
    return rest === "" ? [] : [classifySdrLine(rest)];
  }
}

/** What a whole gs_sdr run printed, summarized. */
export interface SdrRunSummary {
  /** Task from the header. */
  task?: SdrTaskName;
  /** Trace id from the header (also the suffix of its `streaming_lock_<trace>`). */
  traceId?: string;
  /** True when the task's success sentinel was printed (check the exit code too, §6.8). */
  succeeded: boolean;
  /** Every `[GAUSS-xxxxx]` error, in order. */
  errors: Array<{ code: string; message: string }>;
  /** Step reported by `Got the … step` (-1 = fresh run). */
  step?: number;
  /** Last percentage printed. */
  lastPercent?: number;
  /** Label of the last milestone. */
  lastMilestone?: string;
  /** All lines, classified. */
  lines: SdrLine[];
}

/** Classifies every line of a finished run's stdout and summarizes it. */
export function summarizeSdrOutput(stdout: string): SdrRunSummary {
  const lines = stdout
    .split("\n")
    .filter((l, i, all) => !(i === all.length - 1 && l === ""))
    .map(classifySdrLine);
  const s: SdrRunSummary = { succeeded: false, errors: [], lines };
  for (const l of lines) {
    switch (l.kind) {
      case "header":
        s.task = l.task;
        s.traceId = l.traceId;
        break;
      case "success":
        if (s.task === undefined || s.task === l.task) s.succeeded = true;
        break;
      case "error":
        s.errors.push({ code: l.code, message: l.message });
        break;
      case "step":
        s.step = l.step;
        break;
      case "progress":
        s.lastPercent = l.percent;
        break;
      case "milestone":
        s.lastMilestone = l.label;
        break;
      default:
        break;
    }
  }
  return s;
}
