/**
 * delete(): dissolves the pair as the decision core says (fail over a standby whose primary is gone, stop
 * each side), reports what gs_sdr leaves behind and removes the provider's own files from every node.
 */
import { progress } from "../../core/progress";
import { describeError, LockedError, StateError } from "../../errors";
import { clearOurLocks, forgetStartSteps } from "./apply";
import { decideDissolve } from "./decide";
import { remoteStreamIpPairs } from "./drParams";
import { type Ownership, observe } from "./observe";
import { type Observed, viewsOf } from "./outputs";
import { batch, type DrContext } from "./remote";
import { placeDrXml, runSdr, sdrFailure } from "./tasks";

/** Reports what a dissolve leaves on the clusters and removes the provider's own files. */
async function afterDissolve(ctx: DrContext, obs: Observed, name: string): Promise<void> {
  for (const n of ctx.names) {
    if (!obs[n]!.view.reachable) continue;
    const t = ctx.topologies[n]!;
    const peer = ctx.topologies[ctx.names.find((x) => x !== n)!]!;
    const peerIps = [
      ...peer.dataNodes.flatMap((d) => [d.sshIp, d.backIp]),
      ...remoteStreamIpPairs(t, peer).map((p) => p.dataIp),
    ];
    const kept: string[] = [];
    for (const d of t.dataNodes) {
      try {
        const out = await batch(
          ctx,
          n,
          d.sshIp,
          {
            hba: `grep -E '^[[:space:]]*host[[:space:]]' ${JSON.stringify(`${d.dataDir}/pg_hba.conf`)} 2>/dev/null; true`,
            maint: '[ -e "$GAUSSHOME/bin/cluster_maintance" ] && echo present; true',
            rm: 'rm -rf "$HOME/.pulumi-hadr"; echo rc=$?',
          },
          "after dissolve",
        );
        const rm = /^([\s\S]*?)rc=(\d+)\s*$/.exec(out["rm"] ?? "");
        if (rm?.[2] !== "0") kept.push(`${d.name} (${(rm?.[1] ?? out["rm"] ?? "").trim() || "rm failed"})`);
        const left = (out["hba"] ?? "").split("\n").filter((l) => peerIps.some((ip) => l.includes(`${ip}/`)));
        for (const l of left)
          progress(
            name,
            `left behind on ${n}/${d.name} pg_hba.conf (gs_sdr does not remove it): ${l.trim().replace(/\s+/g, " ")}`,
          );
        if ((out["maint"] ?? "").includes("present"))
          progress(
            name,
            `left behind on ${n}/${d.name}: $GAUSSHOME/bin/cluster_maintance (OM master's switchover -m primary creates it and never removes it)`,
          );
      } catch (e) {
        // a node that does not answer keeps its files; destroy does not fail for a report, but says so
        kept.push(`${d.name} (${describeError(e)})`);
      }
    }
    progress(
      name,
      kept.length === 0
        ? `${n}: removed the provider's own files (~/.pulumi-hadr); most_available_sync stays on where gs_sdr set it (≤ 2 DNs)`
        : `${n}: the provider's own files (~/.pulumi-hadr) stay on ${kept.join(", ")}: remove them by hand; most_available_sync stays on where gs_sdr set it (≤ 2 DNs)`,
    );
  }
}

/** Dissolves the pair; what cannot be reached keeps its settings and is named in the error. */
export async function dissolve(ctx: DrContext, own: Ownership, name: string): Promise<void> {
  const obs = await observe(ctx, own);
  const d = decideDissolve(viewsOf(ctx, obs));
  if ("kind" in d) {
    if (d.kind === "wait")
      throw new LockedError(d.reason, { hint: "Wait for it to finish, then run `pulumi destroy` again." });
    if (d.kind === "blocked") throw new StateError(`${d.property}: ${d.reason}`, { hint: d.hint });
    return;
  }
  await clearOurLocks(ctx, obs, d.clearLocks, name);
  for (const c of d.failover) {
    const r = await runSdr(ctx, c, { task: "failover" }, name);
    if (r.detached || r.exitCode !== 0)
      throw sdrFailure(r, "gs_sdr failover", "Run `pulumi destroy` again to resume.");
  }
  for (const c of d.stop) {
    await forgetStartSteps(ctx, c, d.forgetStartSteps[c] ?? [], name);
    await placeDrXml(ctx, c);
    const r = await runSdr(ctx, c, { task: "stop" }, name);
    if (r.detached || r.exitCode !== 0)
      throw sdrFailure(r, "gs_sdr stop", "Run `pulumi destroy` again to resume.");
  }
  await afterDissolve(ctx, obs, name);
  if (d.unreachable.length > 0) {
    throw new StateError(
      `dissolved what could be reached; ${d.unreachable.join(", ")} cannot be reached and still holds its DR settings`,
      {
        hint: "Run `pulumi destroy` again when it is back (it then fails it over and cleans up), or `pulumi state delete` to forget the relationship.",
      },
    );
  }
}
