/**
 * The guard rails as pure functions: each takes one resource (type, name, properties), the stack name, the
 * effective configuration and, where time matters, the clock, and returns the violations (empty when quiet).
 * `pack.ts` wires them into `@pulumi/policy`; unit tests call them directly.
 */
import { type HadrKind, hadrKind, isInsecure, type ResourceView, sshLogins } from "./resources";

/** Effective configuration of the guard rails (pack defaults, then each policy's own config). */
export interface GuardConfig {
  /** Stack-name patterns (`*` any run of characters, `?` one) of protected stacks. Default `["prod*"]`. */
  protectedStacks: string[];
  /** Break-glass: `allowDataLoss: true` is accepted in a protected stack until this ISO 8601 time. */
  allowDataLossUntil?: string;
  /** Longest break-glass window accepted, in hours from now (default 72): a break glass is time-boxed. */
  maxBreakGlassHours: number;
  /** RecoveryPolicy resources (by name, `*` for all) whose `automatic` mode was acknowledged. */
  acknowledgedAutomaticRecovery: string[];
  /** Largest acceptable `rpoSeconds` output (default 60). */
  maxRpoSeconds: number;
  /** Oldest acceptable `lastDrill`, in days (default 90). */
  maxDrillAgeDays: number;
  /** Report a DrRelationship that has no `lastDrill` at all (default false). */
  requireDrill: boolean;
}

/** The defaults of every setting. */
export const DEFAULT_GUARD_CONFIG: GuardConfig = {
  protectedStacks: ["prod*"],
  maxBreakGlassHours: 72,
  acknowledgedAutomaticRecovery: [],
  maxRpoSeconds: 60,
  maxDrillAgeDays: 90,
  requireDrill: false,
};

/** The stack name of a resource URN (`urn:pulumi:<stack>::<project>::<type>::<name>`); "" when malformed. */
export function stackOfUrn(urn: string): string {
  const m = /^urn:pulumi:([^:]*)::/.exec(urn);
  return m ? m[1]! : "";
}

/** True when `stack` matches one of the glob `patterns` (`*`, `?`; the whole name must match). */
export function isProtectedStack(stack: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    const re = p
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".");
    return new RegExp(`^${re}$`).test(stack);
  });
}

/** The context every rule gets. */
export interface RuleContext {
  /** Stack name. */
  stack: string;
  /** Effective configuration. */
  config: GuardConfig;
  /** The clock (injected in tests). */
  now: Date;
}

/** A rule: the violations of one resource (empty: quiet). */
export type Rule = (r: ResourceView, ctx: RuleContext) => string[];

function only(kind: HadrKind, inProtected: boolean, rule: Rule): Rule {
  return (r, ctx) => {
    if (hadrKind(r) !== kind) return [];
    if (inProtected && !isProtectedStack(ctx.stack, ctx.config.protectedStacks)) return [];
    return rule(r, ctx);
  };
}

/** Why the break-glass does not cover `now` (null when it does). */
export function breakGlassProblem(config: GuardConfig, now: Date): string | null {
  const until = config.allowDataLossUntil;
  if (until === undefined || until === "") return "no break-glass allowDataLossUntil is set";
  const t = Date.parse(until);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(until) || Number.isNaN(t))
    return `allowDataLossUntil "${until}" is not an ISO 8601 time (e.g. 2026-12-06T23:00:00Z)`;
  if (t <= now.getTime()) return `the break-glass allowDataLossUntil ${until} has expired`;
  const hours = (t - now.getTime()) / 3_600_000;
  if (hours > config.maxBreakGlassHours)
    return `the break-glass allowDataLossUntil ${until} is ${Math.ceil(hours)} h away, more than maxBreakGlassHours (${config.maxBreakGlassHours} h)`;
  return null;
}

/** `allowDataLoss: true` on a DrRelationship of a protected stack, unless a valid break-glass covers now. */
export const dataLossRule: Rule = only("DrRelationship", true, (r, ctx) => {
  if (r.props.allowDataLoss !== true) return [];
  const problem = breakGlassProblem(ctx.config, ctx.now);
  if (problem === null) return [];
  return [
    `${r.name}: allowDataLoss is true in protected stack "${ctx.stack}" and ${problem}. Remove allowDataLoss, or set the policy config allowDataLossUntil to a time less than ${ctx.config.maxBreakGlassHours} h ahead for this incident.`,
  ];
});

/** An SSH login with `insecure: true` (no host-key check) on any pulumi-hadr resource of a protected stack. */
export const insecureSshRule: Rule = (r, ctx) => {
  const kind = hadrKind(r);
  if (kind === null || !isProtectedStack(ctx.stack, ctx.config.protectedStacks)) return [];
  return sshLogins(kind, r.props)
    .filter(([, ssh]) => isInsecure(ssh))
    .map(
      ([path]) =>
        `${r.name}: ${path}.insecure is true in protected stack "${ctx.stack}": pin the host keys (${path}.hostKeys) instead.`,
    );
};

/** A RecoveryPolicy in `automatic` mode in a protected stack that the pack's config did not acknowledge. */
export const automaticRecoveryRule: Rule = only("RecoveryPolicy", true, (r, ctx) => {
  if (r.props.mode !== "automatic") return [];
  const ack = ctx.config.acknowledgedAutomaticRecovery;
  if (ack.includes("*") || ack.includes(r.name)) return [];
  return [
    `${r.name}: mode "automatic" in protected stack "${ctx.stack}" rewinds an old primary and loses its un-replicated transactions. Use "standby" or "manual", or acknowledge it with the policy config acknowledgedAutomaticRecovery: ["${r.name}"].`,
  ];
});

/** A DrRelationship whose `rpoSeconds` output is above `maxRpoSeconds` (unknown RPO is quiet). */
export const rpoRule: Rule = only("DrRelationship", true, (r, ctx) => {
  const rpo = r.props.rpoSeconds;
  if (typeof rpo !== "number" || rpo <= ctx.config.maxRpoSeconds) return [];
  return [
    `${r.name}: rpoSeconds is ${rpo}, above the bound of ${ctx.config.maxRpoSeconds} s (stack "${ctx.stack}").`,
  ];
});

/** A DrRelationship whose `lastDrill` failed or is older than `maxDrillAgeDays` (missing: with requireDrill). */
export const drillRule: Rule = only("DrRelationship", true, (r, ctx) => {
  const d = r.props.lastDrill;
  if (typeof d !== "object" || d === null) {
    return ctx.config.requireDrill
      ? [
          `${r.name}: no drill has been run (no lastDrill output); declare drill: { id: … } and run \`pulumi up\`.`,
        ]
      : [];
  }
  const drill = d as Record<string, unknown>;
  const out: string[] = [];
  const result = typeof drill.result === "string" ? drill.result : "unknown";
  if (result !== "passed")
    out.push(`${r.name}: the last drill (${String(drill.id)}) did not pass: ${result}.`);
  const when = Date.parse(String(drill.finishedAt ?? drill.startedAt ?? ""));
  if (Number.isNaN(when)) out.push(`${r.name}: the last drill (${String(drill.id)}) has no readable time.`);
  else {
    const days = (ctx.now.getTime() - when) / 86_400_000;
    if (days > ctx.config.maxDrillAgeDays)
      out.push(
        `${r.name}: the last drill (${String(drill.id)}) finished ${Math.floor(days)} days ago, more than maxDrillAgeDays (${ctx.config.maxDrillAgeDays}); run a new drill.`,
      );
  }
  return out;
});
