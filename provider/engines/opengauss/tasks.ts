/**
 * Runs gs_sdr tasks on a cluster's run node: the DR-extended XML is placed first, the DR password goes
 * through gs_sdr's own interactive prompts on a PTY (never argv), progress lines are relayed live, our own
 * deadline bounds every wait, and gs_sdr itself is never killed (see {@link runSdr}). Stale locks are
 * recognised by the observation (`observe.ts`) and cleared by apply (`leftovers.ts`).
 */
import { randomBytes } from "node:crypto";
import { progress, warn } from "../../core/progress";
import { DeadlineError, describeError, ToolError } from "../../errors";
import { escapeRegex } from "../../text";
import { shellQuote } from "../../transport/redact";
import { renderDrXml } from "./drParams";
import { RUNS_DIR } from "./observe";
import { classifySdrLine, type SdrRunSummary, summarizeSdrOutput } from "./parsers/sdrOutput";
import { type DrContext, onNode, READ_TIMEOUT_MS, runNode } from "./remote";

/** Where the DR-extended XML is placed on the run node. */
function drXmlPath(cluster: string): string {
  return `$HOME/.pulumi-hadr/dr-${cluster}.xml`;
}

/** Writes the DR-extended install XML gs_sdr's `-X` needs on the cluster's run node. */
export async function placeDrXml(ctx: DrContext, cluster: string): Promise<void> {
  const other = ctx.names.find((n) => n !== cluster)!;
  const xml = renderDrXml(ctx.args.clusters[cluster]!.xml, ctx.topologies[cluster]!, ctx.topologies[other]!);
  const path = drXmlPath(cluster);
  const r = await onNode(
    ctx,
    cluster,
    runNode(ctx, cluster).sshIp,
    `mkdir -p "$HOME/.pulumi-hadr" && cat > "${path}" && chmod 600 "${path}"`,
    {
      timeoutMs: READ_TIMEOUT_MS,
      stdin: xml,
      step: "place DR XML",
    },
  );
  if (r.code !== 0) {
    throw new ToolError(`could not write ${path}`, r.stderr.trim(), {
      where: { cluster, step: "place DR XML" },
    });
  }
}

/** What one gs_sdr run produced. */
export interface SdrRun {
  cluster: string;
  node: string;
  exitCode: number | null;
  summary: SdrRunSummary;
  /** True when our deadline passed: gs_sdr was left running (never killed) and may still finish. */
  detached: boolean;
  /** The copy of its output on the run node. */
  outputFile: string;
}

/** A gs_sdr invocation. */
export type SdrTask =
  | { task: "start"; mode: "primary" | "disaster_standby" }
  | { task: "switchover"; mode: "primary" | "disaster_standby" }
  | { task: "failover" }
  | { task: "stop" };

function commandOf(ctx: DrContext, cluster: string, t: SdrTask): string {
  const timeout = `--time-out=${ctx.args.timeoutSeconds}`;
  switch (t.task) {
    case "start":
      // No -W: the password is typed at gs_sdr's prompts on the PTY.
      return `gs_sdr -t start -m ${t.mode} -X "${drXmlPath(cluster)}" -U ${shellQuote(ctx.args.drUser.name)} ${timeout}`;
    case "switchover":
      return `gs_sdr -t switchover -m ${t.mode} ${timeout}`;
    case "failover":
      return "gs_sdr -t failover";
    case "stop":
      return `gs_sdr -t stop -X "${drXmlPath(cluster)}"`;
  }
}

/**
 * Our deadline for one gs_sdr run, in seconds: gs_sdr's own `--time-out` (T) where it uses it, plus the
 * waits it hard-codes (docs/vendor/opengauss-gs_sdr.md §10): start primary T + 900; start disaster_standby 2T + 1800 (key build up to
 * T, full build, stop by node up to 1800 s); switchover demote T + 1200 (truncation) + 900 (three cluster
 * stop/starts of 300 s); switchover promote 600 (Normal wait) + T (barrier) + 600; failover 2100
 * (600 + 600 for pending/notify, 300 to start, margin; it ignores T); stop 900.
 */
export function deadlineSeconds(t: SdrTask, timeoutSeconds: number): number {
  const T = timeoutSeconds;
  switch (t.task) {
    case "start":
      return t.mode === "primary" ? T + 900 : 2 * T + 1800;
    case "switchover":
      return t.mode === "disaster_standby" ? T + 2100 : T + 1200;
    case "failover":
      return 2100;
    case "stop":
      return 900;
  }
}

/**
 * How long we wait for one gs_sdr run, in ms: {@link deadlineSeconds}, cut to what is left of the call's own
 * deadline (the program's `customTimeouts`, native provider) when it has one. gs_sdr keeps its own
 * `--time-out`: at our deadline we detach and report where its output continues, never kill it (D7).
 */
function runDeadlineMs(t: SdrTask, timeoutSeconds: number, deadlineMs?: number, now = Date.now()): number {
  const ours = deadlineSeconds(t, timeoutSeconds) * 1000;
  return deadlineMs === undefined ? ours : Math.max(1000, Math.min(ours, deadlineMs - now));
}

/** Tag written in our run markers: ties a gs_sdr run (and its trace id) to this resource. */
export function ownerTag(ctx: DrContext, name: string): string {
  return `pulumi-hadr/${name}/${ctx.names.join("/")}`.replace(/[^A-Za-z0-9_./-]/g, "_");
}

/**
 * The shell line around gs_sdr. gs_sdr stays in the foreground of our PTY (its password prompts need one)
 * but survives our hang-up: SIGHUP is ignored and its output goes through `tee` into a file on the node, so
 * neither a killed \`pulumi up\` nor our own deadline ends it half-way (which would skip its rollback and
 * leave its lock). Before it starts, a marker records its pid (the subshell's, kept by `exec`) and our
 * owner tag; the trace id is added when the header is seen, and the observation also finds it in gs_sdr's
 * log by pid.
 */
function wrapped(command: string, marker: string, owner: string, task: string): string {
  return [
    "set -o pipefail",
    `mkdir -p ${RUNS_DIR} && chmod 700 "$HOME/.pulumi-hadr" ${RUNS_DIR}`,
    "trap '' HUP",
    `( echo "owner=${owner} pid=$BASHPID task=${task} started=$(date +%s)" > "${marker}.run"; export PYTHONUNBUFFERED=1; exec ${command} ) 2>&1 | tee --output-error=warn -a "${marker}.out"`,
  ].join("; ");
}

/**
 * Runs one gs_sdr task on the cluster's run node and returns its outcome (it throws only for transport
 * failures; a gs_sdr failure is in `exitCode`/`summary`, our deadline in `detached`).
 */
export async function runSdr(
  ctx: DrContext,
  cluster: string,
  t: SdrTask,
  name: string,
  /** Another DN host (address) to run on, when the run node is down (failover only; see decide.ts). */
  on?: string,
): Promise<SdrRun> {
  const node = (on && ctx.topologies[cluster]!.devices.find((d) => d.sshIp === on)) || runNode(ctx, cluster);
  const user = ctx.args.drUser.name;
  const password = ctx.args.drUser.password;
  const label = `${cluster}/${node.name}`;
  const marker = `${RUNS_DIR}/${Date.now()}-${t.task}-${randomBytes(3).toString("hex")}`;
  const session = await ctx.fleet.session(node.sshIp);
  progress(name, `${label}: ${commandOf(ctx, cluster, t).replace(/"\$HOME/g, '"~')}`);
  let traceSeen = false;
  const r = await onNode(
    ctx,
    cluster,
    node.sshIp,
    wrapped(commandOf(ctx, cluster, t), marker, ownerTag(ctx, name), t.task),
    {
      timeoutMs: runDeadlineMs(t, ctx.args.timeoutSeconds, ctx.deadlineMs),
      onDeadline: "detach",
      step: `gs_sdr -t ${t.task}${"mode" in t ? ` -m ${t.mode}` : ""}`,
      pty: true,
      prompts:
        t.task === "start"
          ? [
              {
                match: new RegExp(`Please enter password for \\[${escapeRegex(user)}\\]:\\s*$`),
                answer: password,
              },
              {
                match: new RegExp(`Please repeat enter for password for \\[${escapeRegex(user)}\\]:\\s*$`),
                answer: password,
              },
            ]
          : [],
      onLine: (line) => {
        const c = classifySdrLine(line);
        if (c.kind === "header" && !traceSeen) {
          traceSeen = true;
          // Recorded at once, so a run killed from here on is still known as ours.
          session
            .exec(`echo "trace=${c.traceId}" >> "${marker}.run"`, {
              timeoutMs: READ_TIMEOUT_MS,
              step: "record trace",
            })
            .catch((e: unknown) =>
              warn(
                name,
                `${label}: could not record gs_sdr's trace id ${c.traceId} (${describeError(e)}): if this run is interrupted, its lock streaming_lock_${c.traceId} will not be recognised as ours and must be removed by hand once no gs_sdr runs`,
              ),
            );
        }
        if (c.kind === "rule" || c.kind === "traceback" || line.trim() === "") return;
        progress(name, `${label}: ${c.text}`);
      },
    },
  ).catch((e: unknown) => {
    if (e instanceof DeadlineError) return null;
    throw e;
  });
  if (r === null) {
    return {
      cluster,
      node: node.sshIp,
      exitCode: null,
      summary: summarizeSdrOutput(""),
      detached: true,
      outputFile: `${marker}.out`,
    };
  }
  await session
    .exec(`rm -f "${marker}.run"`, { timeoutMs: READ_TIMEOUT_MS, step: "remove run marker" })
    .catch(() => undefined);
  return {
    cluster,
    node: node.sshIp,
    exitCode: r.code,
    summary: summarizeSdrOutput(r.stdout),
    detached: false,
    outputFile: `${marker}.out`,
  };
}

/**
 * Runs two gs_sdr tasks at the same time (start and switchover need both sides at once) and waits for both.
 * A side that fails is never a reason to stop the other: each finishes or rolls itself back (the demote
 * side of a switchover returns its cluster to primary), and the next observation decides what follows.
 */
export async function runPair(
  ctx: DrContext,
  a: { cluster: string; task: SdrTask },
  b: { cluster: string; task: SdrTask },
  name: string,
): Promise<[SdrRun, SdrRun]> {
  return Promise.all([runSdr(ctx, a.cluster, a.task, name), runSdr(ctx, b.cluster, b.task, name)]);
}

/** The last line of a run's output that says something: a traceback's last line, else the last info/error line. */
export function lastMeaningfulLine(summary: SdrRunSummary): string | null {
  const lines = summary.lines.map((l) => l.text.trim()).filter((t) => t !== "" && !/^-{20,}$/.test(t));
  const tb = summary.lines.findIndex((l) => l.kind === "traceback");
  if (tb >= 0) {
    const after = summary.lines
      .slice(tb + 1)
      .map((l) => l.text.trim())
      .filter((t) => t !== "" && !t.startsWith("File "));
    const last = after.at(-1);
    if (last) return last;
  }
  return lines.filter((t) => !/^\d{1,3}%$/.test(t) && !/^Please (repeat )?enter/.test(t)).at(-1) ?? null;
}

/** The error for a failed gs_sdr run: its own GAUSS message (or last meaningful line), where, and what to do. */
export function sdrFailure(run: SdrRun, what: string, hint: string): ToolError {
  const where = { cluster: run.cluster, node: run.node, tool: "gs_sdr", step: what };
  const trace = run.summary.traceId ? `, trace ${run.summary.traceId}` : "";
  if (run.detached) {
    return new ToolError(
      `${what} on ${run.cluster} (${run.node}) passed our deadline and was left running (never killed)`,
      "deadline",
      {
        where,
        hint: `It keeps running and holds its lock (streaming_lock_*) until it ends; its output continues in ${run.outputFile.replace("$HOME", "~")} on ${run.node}. Run \`pulumi up\` when it has finished: preview shows "wait" while it runs. Raise timeoutSeconds if this cluster needs longer.`,
        retryable: true,
      },
    );
  }
  const last = run.summary.errors.at(-1);
  const msg = last
    ? `[${last.code}] ${last.message}`
    : (lastMeaningfulLine(run.summary) ?? `exit ${run.exitCode}`);
  return new ToolError(`${what} failed on ${run.cluster} (${run.node}${trace}): ${msg}`, msg, {
    where,
    ...(last ? { vendorCode: last.code } : {}),
    hint,
  });
}
