/**
 * Runs gs_sdr tasks on a cluster's run node: the DR-extended XML is placed first, the DR password goes
 * through gs_sdr's own interactive prompts on a PTY (never argv), progress lines are relayed live, and our
 * own deadline bounds every run. Also clears stale gs_sdr locks — only ours, only when no gs_sdr runs.
 */
import { LockedError, ToolError } from "../../errors";
import { progress } from "../../resources/hooks";
import { shellQuote } from "../../transport/redact";
import { renderDrXml } from "./drParams";
import { classifySdrLine, type SdrRunSummary, summarizeSdrOutput } from "./parsers/sdrOutput";
import { type ClusterRead, type DrContext, onNode, READ_TIMEOUT_MS, runNode } from "./remote";

/** Where the DR-extended XML is placed on the run node. */
export function drXmlPath(cluster: string): string {
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
  /** True when it was stopped because the other side failed. */
  aborted: boolean;
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

/** Our deadline for a task: gs_sdr's own `--time-out` plus room for the stages it does not bound. */
function deadlineMs(ctx: DrContext, t: SdrTask): number {
  const base = ctx.args.timeoutSeconds * 1000;
  return t.task === "start" || t.task === "switchover" ? base + 300_000 : base;
}

/**
 * Runs one gs_sdr task on the cluster's run node and returns its outcome (it throws only for transport
 * failures and our deadline; a gs_sdr failure is in `exitCode`/`summary`).
 */
export async function runSdr(
  ctx: DrContext,
  cluster: string,
  t: SdrTask,
  name: string,
  signal?: AbortSignal,
): Promise<SdrRun> {
  const node = runNode(ctx, cluster);
  const user = ctx.args.drUser.name;
  const password = ctx.args.drUser.password;
  const label = `${cluster}/${node.name}`;
  progress(name, `${label}: ${commandOf(ctx, cluster, t).replace(/"\$HOME/g, '"~')}`);
  const r = await onNode(ctx, cluster, node.sshIp, commandOf(ctx, cluster, t), {
    timeoutMs: deadlineMs(ctx, t),
    step: `gs_sdr -t ${t.task}${"mode" in t ? ` -m ${t.mode}` : ""}`,
    pty: true,
    ...(signal ? { signal } : {}),
    prompts:
      t.task === "start"
        ? [
            {
              match: new RegExp(`Please enter password for \\[${escapeRegExp(user)}\\]:\\s*$`),
              answer: password,
            },
            {
              match: new RegExp(`Please repeat enter for password for \\[${escapeRegExp(user)}\\]:\\s*$`),
              answer: password,
            },
          ]
        : [],
    onLine: (line) => {
      const c = classifySdrLine(line);
      if (c.kind === "rule" || c.kind === "traceback" || line.trim() === "") return;
      progress(name, `${label}: ${c.text}`);
    },
  });
  return {
    cluster,
    node: node.sshIp,
    exitCode: r.code,
    summary: summarizeSdrOutput(r.stdout),
    aborted: r.aborted === true,
  };
}

/**
 * Runs two gs_sdr tasks at the same time (start and switchover need both sides at once). When one fails,
 * the other is stopped instead of waiting out its timeout; gs_sdr's step files let the next run resume.
 */
export async function runPair(
  ctx: DrContext,
  a: { cluster: string; task: SdrTask },
  b: { cluster: string; task: SdrTask },
  name: string,
): Promise<[SdrRun, SdrRun]> {
  const ac = new AbortController();
  const one = (x: { cluster: string; task: SdrTask }) =>
    runSdr(ctx, x.cluster, x.task, name, ac.signal).then(
      (r) => {
        if (r.exitCode !== 0 && !r.aborted) ac.abort();
        return r;
      },
      (e: unknown) => {
        ac.abort();
        throw e;
      },
    );
  return Promise.all([one(a), one(b)]);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The error for a failed gs_sdr run: its own GAUSS message, and what to do. */
export function sdrFailure(run: SdrRun, what: string, hint: string): ToolError {
  const last = run.summary.errors.at(-1);
  const msg = last ? `[${last.code}] ${last.message}` : `exit ${run.exitCode}`;
  return new ToolError(`${what} failed on ${run.cluster} (${run.node}): ${msg}`, msg, {
    where: { cluster: run.cluster, node: run.node, tool: "gs_sdr", step: what },
    ...(last ? { vendorCode: last.code } : {}),
    hint,
  });
}

/**
 * Removes `streaming_lock_<trace>` files that carry one of our own trace ids on nodes where no gs_sdr
 * process is alive; any other lock stops the operation with what to do.
 */
export async function clearOwnStaleLocks(
  ctx: DrContext,
  read: ClusterRead,
  ours: string[],
  name: string,
): Promise<void> {
  for (const [host, traces] of Object.entries(read.locks)) {
    for (const trace of traces) {
      const mine = ours.includes(trace);
      if (mine && !read.sdrRunning.includes(host)) {
        await onNode(
          ctx,
          read.cluster,
          host,
          `rm -f "$PGHOST/streaming_lock_${trace.replace(/[^0-9a-f]/g, "")}"`,
          {
            timeoutMs: READ_TIMEOUT_MS,
            step: "remove stale lock",
          },
        );
        progress(name, `${read.cluster}/${host}: removed our stale gs_sdr lock streaming_lock_${trace}`);
        continue;
      }
      throw new LockedError(
        mine
          ? `gs_sdr (trace ${trace}) is still running on ${host}`
          : `another gs_sdr operation holds ${host}: lock streaming_lock_${trace} is not ours`,
        {
          where: { cluster: read.cluster, node: host, tool: "gs_sdr" },
          hint: mine
            ? "Wait for it to finish, then run `pulumi up` again."
            : `Finish that operation; if you are sure no gs_sdr runs on any node, remove $PGHOST/streaming_lock_${trace} on ${host} and run \`pulumi up\` again.`,
        },
      );
    }
  }
}
