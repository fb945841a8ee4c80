import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { drStateOf, expectsPlan } from "../../../provider/engines/opengauss/engine";
import { observeCommands } from "../../../provider/engines/opengauss/observe";
import { sqlReadCommand, sqlSections } from "../../../provider/engines/opengauss/reads";
import { type DrContext, drContext, joinCommands } from "../../../provider/engines/opengauss/remote";
import { validateDrRelationship } from "../../../provider/engines/opengauss/schema";
import { fingerprint, fixture, PRIVATE_KEY } from "./fixtures";

/** Runs the command in a real shell with a stand-in `gsql` on PATH that prints its args and the script it got. */
function scriptGsqlGets(command: string): { args: string; script: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hadr-gsql-"));
  try {
    fs.writeFileSync(
      path.join(dir, "gsql"),
      `#!/bin/sh\necho "$*" > "${dir}/args"\ncat /dev/stdin > "${dir}/script"\n`,
      { mode: 0o755 },
    );
    execFileSync("sh", ["-c", command], { env: { ...process.env, PATH: `${dir}:${process.env["PATH"]}` } });
    return {
      args: fs.readFileSync(path.join(dir, "args"), "utf8").trim(),
      script: fs.readFileSync(path.join(dir, "script"), "utf8"),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("one gsql reads every DN GUC, each after its own marker, from stdin (no SQL in argv)", () => {
  const { args, script } = scriptGsqlGets(sqlReadCommand(26001, null));
  assert.equal(args, "-d postgres -p 26001 -t -A -X -f /dev/stdin");
  assert.deepEqual(script.trimEnd().split("\n"), [
    "\\echo @@synchronous_commit",
    "show synchronous_commit;",
    "\\echo @@most_available_sync",
    "show most_available_sync;",
    "\\echo @@wal_keep_segments",
    "show wal_keep_segments;",
    "\\echo @@stream_cluster_run_mode",
    "show stream_cluster_run_mode;",
    "\\echo @@enable_dcf",
    "show enable_dcf;",
  ]);
});

test("the run node's gsql also reads the DR user; a quote in the name stays inside the SQL string", () => {
  const { script } = scriptGsqlGets(sqlReadCommand(26001, "o'neil $HOME"));
  const lines = script.trimEnd().split("\n");
  assert.deepEqual(lines.slice(-2), [
    "\\echo @@dr_user",
    "select usename, userepl from pg_user where usename = 'o''neil $HOME';",
  ]);
});

test("sections: a failed statement leaves its section empty and the others in place", () => {
  const table: Array<{ text: string; want: Record<string, string[]> }> = [
    {
      text: "@@a\non\n@@b\n16\n",
      want: { a: ["on"], b: ["16"] },
    },
    // `show b` failed (a GUC this release lacks): its error went to stderr, dropped
    { text: "@@a\non\n@@b\n@@c\noff\n", want: { a: ["on"], b: [], c: ["off"] } },
    // a string GUC set to '' answers one empty line, which is a value (unset), not a failure
    { text: "@@a\n\n@@b\nx\n", want: { a: [""], b: ["x"] } },
    // gsql could not connect at all: only the markers
    { text: "@@a\n@@b\n", want: { a: [], b: [] } },
    { text: "@@dr_user\ndruser|t\n", want: { dr_user: ["druser|t"] } },
    { text: "", want: {} },
  ];
  for (const { text, want } of table) assert.deepEqual(sqlSections(text), want, JSON.stringify(text));
});

test("check reads the plan with its observation only when an operation is likely", () => {
  const ok = { kind: "switchover", status: "succeeded" };
  const table: Array<{
    why: string;
    phase: "check" | "apply" | "read" | "delete";
    creating: boolean;
    adopt: boolean;
    olds: Record<string, unknown>;
    want: boolean;
  }> = [
    { why: "create", phase: "check", creating: true, adopt: false, olds: {}, want: true },
    {
      why: "adopting an established pair",
      phase: "check",
      creating: true,
      adopt: true,
      olds: {},
      want: false,
    },
    {
      why: "same primary, last op fine",
      phase: "check",
      creating: false,
      adopt: false,
      olds: { primary: "A", lastOperation: ok },
      want: false,
    },
    {
      why: "same primary, nothing ran yet",
      phase: "check",
      creating: false,
      adopt: false,
      olds: { primary: "A" },
      want: false,
    },
    {
      why: "new primary",
      phase: "check",
      creating: false,
      adopt: false,
      olds: { primary: "B", lastOperation: ok },
      want: true,
    },
    {
      why: "last op failed (resume)",
      phase: "check",
      creating: false,
      adopt: false,
      olds: { primary: "A", lastOperation: { ...ok, status: "failed" } },
      want: true,
    },
    {
      why: "rebuild needed",
      phase: "check",
      creating: false,
      adopt: false,
      olds: { primary: "A", lastOperation: { ...ok, status: "rebuild-needed" } },
      want: true,
    },
    { why: "apply never plans", phase: "apply", creating: true, adopt: false, olds: {}, want: false },
    {
      why: "refresh never plans",
      phase: "read",
      creating: false,
      adopt: false,
      olds: { primary: "B" },
      want: false,
    },
  ];
  for (const c of table)
    assert.equal(expectsPlan(c.phase, c.creating, c.adopt, "A", drStateOf(c.olds)), c.want, c.why);
});

function context(node?: string): DrContext {
  const v = validateDrRelationship({
    clusters: {
      A: {
        xml: fixture("cluster-A.xml"),
        ssh: { hostKeys: { "127.0.1.1": fingerprint("a"), "127.0.1.2": fingerprint("b") } },
        ...(node ? { node } : {}),
      },
      B: {
        xml: fixture("cluster-B.xml"),
        ssh: { hostKeys: { "127.0.2.1": fingerprint("c"), "127.0.2.2": fingerprint("d") } },
      },
    },
    primary: "A",
    drUser: { name: "dr_user", password: "Secret_2024#x" },
    sshKey: { privateKey: PRIVATE_KEY },
  });
  assert.deepEqual(v.failures, []);
  return drContext(v.args!, v.topologies);
}

test("an observation carrying the plan's reads: one batch per host, no read hiding another", () => {
  const ctx = context();
  const small = observeCommands(ctx, "A", false);
  const full = observeCommands(ctx, "A", true);
  assert.deepEqual(
    full.map((h) => h.host),
    small.map((h) => h.host),
  );
  const run = full[0]!.commands;
  // the decision's reads and the plan's, side by side (a key clash throws while building them)
  for (const k of [
    "locks",
    "running",
    "stat",
    "steps",
    "status",
    "query",
    "markers",
    "omMarkers",
    "sql",
    "cm",
  ])
    assert.ok(k in run, k);
  assert.ok(!("agent" in run), "the CM agent setting comes from the plan's CM read");
  assert.match(run["sql"]!, /dr_user/);
  assert.ok(!/dr_user/.test(full[1]!.commands["sql"]!), "only the run node reads the DR user");
  assert.deepEqual(Object.keys(small[1]!.commands).sort(), ["locks", "running", "stat", "steps"]);
  assert.ok("agent" in small[0]!.commands);
  // nothing secret in any command
  for (const h of [...small, ...full]) assert.ok(!JSON.stringify(h).includes("Secret_2024"));
});

test("joinCommands refuses two reads of one name", () => {
  assert.deepEqual(joinCommands({ a: "x" }, { b: "y" }), { a: "x", b: "y" });
  assert.throws(() => joinCommands({ a: "x" }, { a: "y" }), /both named "a"/);
});
