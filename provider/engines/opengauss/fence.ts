/**
 * Write fencing of an old primary cluster around a failover (docs/fencing.md, decisions "D-guard"): before
 * the DR cluster is promoted, every DN of the old primary is made read-only the way gs_sdr's own switchover
 * demote does it — cm_server `enable_transaction_read_only=off` (so CM does not lift it) and DN
 * `default_transaction_read_only=on` (`gs_guc reload`, and `set` so a stopped DN comes back read-only). A
 * marker on the run node records the fence and cm_server's previous value. The rebuild lifts the fence just
 * before `gs_sdr -t stop` on the old primary, whose last step deletes `hadr_user_info` (a read-only DN refuses
 * it); the build from the new primary then discards whatever was written in between. The decision (whether to
 * fence, whether to lift) is in decide.ts; this
 * module only says what runs and carries it out.
 */
import { progress } from "../../core/progress";
import { StateError } from "../../errors";
import { batch, type DrContext, runNode } from "./remote";

/** The fence marker on a cluster's run node (content: `enable_transaction_read_only=<saved> at=<ISO>`). */
const FENCE_FILE = "$HOME/.pulumi-hadr/fence";
/** The observation's probe of the marker (empty output: not fenced). */
export const FENCE_PROBE = `cat "${FENCE_FILE}" 2>/dev/null; true`;

const DN_GUC = (v: "on" | "off") => `-Z datanode -N all -I all -c "default_transaction_read_only=${v}"`;
/** The saved cm_server value as the shell expands it (default `on`, CM's own default). */
const SAVED_CMS = ["$", "{v:-on}"].join("");
const CMS_GUC = (v: string) => `-Z cmserver -N all -I all -c "enable_transaction_read_only=${v}"`;

/** The commands that fence a cluster (run on its run node); each prints `rc=<exit>` last. */
export const FENCE_COMMANDS: Readonly<Record<string, string>> = {
  save: `mkdir -p "$HOME/.pulumi-hadr"; [ -s "${FENCE_FILE}" ] || { v=$(gs_guc check -Z cmserver -N all -I all -c enable_transaction_read_only 2>/dev/null | sed -n 's/^ *enable_transaction_read_only=\\([a-z]*\\)$/\\1/p' | head -1); echo "enable_transaction_read_only=\${v:-on} at=$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "${FENCE_FILE}"; }; echo rc=0`,
  cms: `gs_guc set ${CMS_GUC("off")}; echo rc=$?`,
  dnSet: `gs_guc set ${DN_GUC("on")}; echo rc=$?`,
  dnReload: `gs_guc reload ${DN_GUC("on")}; echo rc=$?`,
};

/** The commands that lift our fence: DNs writable again, cm_server's saved value back (then the marker goes). */
export const UNFENCE_COMMANDS: Readonly<Record<string, string>> = {
  dn: `gs_guc reload ${DN_GUC("off")} || gs_guc set ${DN_GUC("off")}; echo rc=$?`,
  cms: `v=$(sed -n 's/^enable_transaction_read_only=\\([a-z]*\\).*/\\1/p' "${FENCE_FILE}" 2>/dev/null); gs_guc set ${CMS_GUC(SAVED_CMS)}; echo rc=$?`,
};

/** The plan lines of fencing `cluster` before a failover (or why it cannot be fenced). */
export function fencePlanLines(ctx: DrContext, fence: string | null, from: string): string[] {
  if (fence === null)
    return [
      `  not fenced: ${from} cannot be reached, so it cannot be made read-only; if it comes back before the rebuild it may accept writes (stop its DNs)`,
    ];
  return [
    `first: fence ${fence} on ${runNode(ctx, fence).name}: every DN read-only (gs_guc reload/set default_transaction_read_only=on, cm_server enable_transaction_read_only=off, as gs_sdr's switchover demote does), so two primaries never accept writes`,
    `  the rebuild lifts the fence just before \`gs_sdr -t stop\` on ${fence} (its last step writes), and ${fence} is then rebuilt from the new primary`,
  ];
}

const rc = (out: string | undefined) => Number(/rc=(\d+)\s*$/.exec(out ?? "")?.[1] ?? "1");

/**
 * Fences `cluster`; throws (before anything is promoted) when no DN setting could be changed at all. A DN
 * that is stopped gets the setting in its file (`set`) and comes back read-only.
 */
export async function fenceCluster(ctx: DrContext, cluster: string, name: string): Promise<void> {
  const out = await batch(ctx, cluster, runNode(ctx, cluster).sshIp, { ...FENCE_COMMANDS }, "fence");
  const set = rc(out.dnSet) === 0;
  const reload = rc(out.dnReload) === 0;
  if (!set && !reload) {
    throw new StateError(
      `could not fence ${cluster} before the failover: gs_guc default_transaction_read_only=on failed (${(out.dnReload ?? "").trim().split("\n").slice(-3).join(" / ")}); nothing was promoted`,
      {
        where: { cluster, step: "fence", tool: "gs_guc" },
        hint: `Stop ${cluster}'s DNs yourself (cm_ctl stop) or make it unreachable, then run \`pulumi up\` again.`,
      },
    );
  }
  progress(
    name,
    `${cluster}: fenced — every DN read-only${reload ? "" : " (set in the files; a running DN could not reload: it refuses writes from its next restart)"}${rc(out.cms) === 0 ? "" : "; cm_server enable_transaction_read_only could not be turned off"}`,
  );
}

/** Lifts our fence from `cluster` (the rebuild, before `gs_sdr -t stop`, whose last step writes). */
export async function unfenceCluster(ctx: DrContext, cluster: string, name: string): Promise<void> {
  const out = await batch(ctx, cluster, runNode(ctx, cluster).sshIp, { ...UNFENCE_COMMANDS }, "unfence");
  const ok = rc(out.dn) === 0 && rc(out.cms) === 0;
  if (ok) await batch(ctx, cluster, runNode(ctx, cluster).sshIp, { rm: `rm -f "${FENCE_FILE}"` }, "unfence");
  progress(
    name,
    ok
      ? `${cluster}: fence lifted for the rebuild (default_transaction_read_only=off, cm_server setting restored)`
      : `warning: ${cluster}: the fence could not be lifted completely (${[out.dn, out.cms].join(" ").trim().split("\n").slice(-2).join(" / ")}); run \`pulumi up\` again`,
  );
}
