import type { z } from "zod";
import type { PropertyFailure } from "../errors";

/** Formats a property path the way users write it: `clusters.A.ssh.hostKeys["127.0.0.1"]`, `nodes[1].host`. */
export function propertyPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (typeof seg === "string" && /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(seg))
      out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out === "" ? "(inputs)" : out;
}

/** What a zod issue means for the user: what is allowed, never the value given (it may be a secret). */
export function issueReason(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_value")
    return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  if (issue.code === "invalid_type") {
    // A schema's own message (a custom error map) wins; zod's default says what it received.
    if (!issue.message.startsWith("Invalid input")) return issue.message;
    const received = /received (\w+)/.exec(issue.message)?.[1];
    if (received === "undefined") return `is required (${issue.expected})`;
    return `must be ${issue.expected === "int" ? "a whole number" : `a ${issue.expected}`}${received ? `, not ${received}` : ""}`;
  }
  return issue.message;
}

/** Maps zod issues to property failures (unknown keys one failure each), under an optional path prefix. */
export function issueFailures(
  issues: readonly z.core.$ZodIssue[],
  prefix: PropertyKey[] = [],
): PropertyFailure[] {
  const out: PropertyFailure[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys)
        out.push({ property: propertyPath([...path, key]), reason: "is not a known property" });
      continue;
    }
    out.push({ property: propertyPath(path), reason: issueReason(issue) });
  }
  return out;
}
