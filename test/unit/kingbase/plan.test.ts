import assert from "node:assert/strict";
import { test } from "node:test";
import type { FileWrite } from "../../../provider/engines/kingbase/plan";
import { planPolicy } from "../../../provider/engines/kingbase/planApply";
import { planRestore } from "../../../provider/engines/kingbase/planRestore";
import { mergePrevious } from "../../../provider/engines/kingbase/previous";
import { renderPolicyPlan } from "../../../provider/engines/kingbase/renderPlan";
import type {
  NodeSnapshot,
  V8r3NodeSnapshot,
  V8r6NodeSnapshot,
} from "../../../provider/engines/kingbase/snapshot";
import { fixture } from "./fixtures";
import { v8r3Args, v8r3Snap, v8r6Args, v8r6Snap } from "./helpers";

const LINE = "*/1 * * * * kingbase  /home/kingbase/cluster/HAR3/db/bin/network_rewind.sh";
const HA_DB = "/home/kingbase/cluster/HAR3/db/etc/HAmodule.conf";
const HA_CL = "/home/kingbase/cluster/HAR3/kingbasecluster/etc/HAmodule.conf";
const CRON = "/etc/cron.d/KINGBASECRON";
const REPMGR = "/home/kingbase/cluster/R6HA/kingbase/etc/repmgr.conf";

/** Applies writes to snapshots, as the I/O layer would. */
function applyWrites(snaps: NodeSnapshot[], writes: FileWrite[]): NodeSnapshot[] {
  return snaps.map((s) => {
    const copy = { ...s } as NodeSnapshot;
    for (const w of writes.filter((x) => x.host === s.host)) {
      assert.equal(
        (s as unknown as Record<string, string | null>)[
          w.file === "repmgrConf" ? "repmgrConf" : w.file === "cron" ? "cronFile" : w.file
        ],
        w.expected,
      );
      if (copy.engine === "kingbase-v8r3") {
        const c = copy as V8r3NodeSnapshot;
        if (w.file === "cron") c.cronFile = w.text;
        if (w.file === "haModuleDb") c.haModuleDb = w.text;
        if (w.file === "haModuleCluster") c.haModuleCluster = w.text;
      } else (copy as V8r6NodeSnapshot).repmgrConf = w.text;
    }
    return copy;
  });
}

test("V8R3 standby -> automatic: the APR line of both HAmodule.conf copies on every node, exact lines", () => {
  const snaps = [v8r3Snap("127.0.3.1"), v8r3Snap("127.0.3.2")];
  const { plan, writes } = planPolicy(v8r3Args("automatic"), snaps);
  assert.deepEqual(plan.blockers, []);
  assert.deepEqual(plan.unchanged, []);
  assert.deepEqual(
    plan.nodes.map((n) => [n.host, n.files.map((f) => [f.file, f.path, f.access, f.changes])]),
    ["127.0.3.1", "127.0.3.2"].map((h) => [
      h,
      [
        [
          "haModuleDb",
          HA_DB,
          "user",
          [{ lineNumber: 80, before: "AUTO_PRIMARY_RECOVERY=0", after: "AUTO_PRIMARY_RECOVERY=1" }],
        ],
        [
          "haModuleCluster",
          HA_CL,
          "user",
          [{ lineNumber: 80, before: "AUTO_PRIMARY_RECOVERY=0", after: "AUTO_PRIMARY_RECOVERY=1" }],
        ],
      ],
    ]),
  );
  assert.equal(writes.length, 4);
  assert.deepEqual(renderPolicyPlan(plan).slice(0, 6), [
    `127.0.3.1 ${HA_DB}:80`,
    "  - AUTO_PRIMARY_RECOVERY=0",
    "  + AUTO_PRIMARY_RECOVERY=1",
    `127.0.3.1 ${HA_CL}:80`,
    "  - AUTO_PRIMARY_RECOVERY=0",
    "  + AUTO_PRIMARY_RECOVERY=1",
  ]);
});

test("V8R3 standby -> manual: only the cron line, as root", () => {
  const { plan } = planPolicy(v8r3Args("manual"), [v8r3Snap("127.0.3.1"), v8r3Snap("127.0.3.2")]);
  assert.deepEqual(renderPolicyPlan(plan), [
    `127.0.3.1 ${CRON}:1 (as root)`,
    `  - ${LINE}`,
    `  + #${LINE}`,
    `127.0.3.2 ${CRON}:1 (as root)`,
    `  - ${LINE}`,
    `  + #${LINE}`,
  ]);
});

test("nodes already right get nothing; order follows the inputs, not the snapshots", () => {
  const { plan, writes } = planPolicy(v8r3Args("standby"), [v8r3Snap("127.0.3.2"), v8r3Snap("127.0.3.1")]);
  assert.deepEqual(plan.nodes, []);
  assert.deepEqual(plan.unchanged, ["127.0.3.1", "127.0.3.2"]);
  assert.deepEqual(writes, []);
  assert.deepEqual(plan.previous.nodes, []);
  assert.deepEqual(renderPolicyPlan(plan), [], "nothing to do renders as an empty plan (a no-op preview)");
});

test("manual from a commented line with APR=1 on one node: only that node's APR lines change", () => {
  const ha1 = fixture("v8r3/HAmodule.conf").replace("AUTO_PRIMARY_RECOVERY=0", "AUTO_PRIMARY_RECOVERY=1");
  const snaps = [
    v8r3Snap("127.0.3.1", { cronFile: `#${LINE}\n`, haModuleDb: ha1, haModuleCluster: ha1 }),
    v8r3Snap("127.0.3.2", { cronFile: `#${LINE}\n` }),
  ];
  const { plan } = planPolicy(v8r3Args("manual"), snaps);
  assert.deepEqual(plan.unchanged, ["127.0.3.2"]);
  assert.deepEqual(
    plan.nodes.map((n) => n.files.map((f) => f.file)),
    [["haModuleDb", "haModuleCluster"]],
  );
});

test("restore after apply returns the original bytes of every file", () => {
  const cases: [ReturnType<typeof v8r3Args>, NodeSnapshot[]][] = [
    [v8r3Args("automatic"), [v8r3Snap("127.0.3.1"), v8r3Snap("127.0.3.2")]],
    [v8r3Args("manual"), [v8r3Snap("127.0.3.1"), v8r3Snap("127.0.3.2", { cronFile: `##${LINE}\r\n` })]],
    [
      v8r3Args("automatic"),
      [
        v8r3Snap("127.0.3.1", { cronFile: null, haModuleDb: 'NODE_NAME="node1"', haModuleCluster: null }),
        v8r3Snap("127.0.3.2", { cronFile: "*/1 * * * * root  /x/restartcluster.sh", haModuleDb: "" }),
      ],
    ],
    [
      v8r6Args("manual"),
      [v8r6Snap("127.0.4.1"), v8r6Snap("127.0.4.2", { repmgrConf: "#recovery='standby'" })],
    ],
  ];
  for (const [args, before] of cases) {
    const { plan, writes } = planPolicy(args, before);
    assert.deepEqual(plan.blockers, []);
    assert.ok(writes.length > 0);
    const after = applyWrites(before, writes);
    const again = planPolicy(args, after);
    assert.deepEqual(again.writes, [], "applying twice changes nothing");
    const restore = planRestore(plan.previous, after, args);
    assert.deepEqual(restore.plan.blockers, []);
    const restored = applyWrites(after, restore.writes);
    for (let i = 0; i < before.length; i++) {
      const b = before[i]!;
      const r = restored[i]!;
      for (const key of ["cronFile", "haModuleDb", "haModuleCluster", "repmgrConf"] as const) {
        const x = (b as unknown as Record<string, string | null | undefined>)[key];
        const y = (r as unknown as Record<string, string | null | undefined>)[key];
        if (x === undefined) continue;
        if (x === null) {
          assert.equal(y, null, `${b.host} ${key} was missing and is deleted again`);
          continue;
        }
        assert.ok(Buffer.from(y!).equals(Buffer.from(x)), `${b.host} ${key} restored byte for byte`);
      }
    }
  }
});

test("restore when the line changed since: previous value restored, said so", () => {
  const snaps = [v8r3Snap("127.0.3.1")];
  const args = v8r3Args("automatic");
  const { plan, writes } = planPolicy({ ...args, nodes: args.nodes.slice(0, 1) }, snaps);
  const after = applyWrites(snaps, writes) as V8r3NodeSnapshot[];
  after[0]!.haModuleDb = after[0]!.haModuleDb!.replace(
    "AUTO_PRIMARY_RECOVERY=1",
    'AUTO_PRIMARY_RECOVERY="yes"',
  );
  const r = planRestore(plan.previous, after, args);
  const dbFile = r.plan.nodes[0]!.files.find((f) => f.file === "haModuleDb")!;
  assert.deepEqual(dbFile.changes, [
    { lineNumber: 80, before: 'AUTO_PRIMARY_RECOVERY="yes"', after: 'AUTO_PRIMARY_RECOVERY="0"' },
  ]);
  assert.match(dbFile.notes[0]!, /restoring the previous value, not the exact bytes/);
});

test("restore is a no-op on lines already back to their previous text", () => {
  const snaps = [v8r3Snap("127.0.3.1"), v8r3Snap("127.0.3.2")];
  const { plan } = planPolicy(v8r3Args("automatic"), snaps);
  const r = planRestore(plan.previous, snaps, v8r3Args("automatic"));
  assert.deepEqual(r.writes, []);
  assert.deepEqual(r.plan.unchanged, ["127.0.3.1", "127.0.3.2"]);
});

test("mergePrevious keeps the earliest record per host and file", () => {
  const s0 = [v8r3Snap("127.0.3.1"), v8r3Snap("127.0.3.2")];
  const first = planPolicy(v8r3Args("automatic"), s0);
  const s1 = applyWrites(s0, first.writes);
  const second = planPolicy(v8r3Args("manual"), s1);
  const merged = mergePrevious(first.plan.previous, second.plan.previous);
  const files = merged.nodes[0]!.files;
  assert.deepEqual(
    files.map((f) => [f.file, f.value]),
    [
      ["cron", "active"],
      ["haModuleDb", "0"],
      ["haModuleCluster", "0"],
    ],
  );
  const s2 = applyWrites(s1, second.writes);
  const restored = applyWrites(s2, planRestore(merged, s2, v8r3Args("manual")).writes) as V8r3NodeSnapshot[];
  assert.equal(restored[0]!.cronFile, s0[0]!.cronFile as string);
  assert.equal(restored[0]!.haModuleDb, (s0[0] as V8r3NodeSnapshot).haModuleDb);
});

test("V8R6 standby -> automatic with restart-daemons: recovery line plus daemon restarts", () => {
  const { plan } = planPolicy(v8r6Args("automatic"), [v8r6Snap("127.0.4.1"), v8r6Snap("127.0.4.2")]);
  const n = plan.nodes[0]!;
  assert.deepEqual(n.files[0]!.changes, [
    { lineNumber: 18, before: "recovery='standby'", after: "recovery='automatic'" },
  ]);
  assert.equal(n.files[0]!.path, REPMGR);
  assert.deepEqual(
    n.daemonActions.map((a) => [a.action, a.pidFile]),
    [
      ["restart-repmgrd", "/home/kingbase/cluster/R6HA/kingbase/etc/hamgrd.pid"],
      ["restart-kbha", "/home/kingbase/cluster/R6HA/kingbase/etc/kbha.pid"],
    ],
  );
  assert.deepEqual(renderPolicyPlan(plan).slice(0, 5), [
    `127.0.4.1 ${REPMGR}:18`,
    "  - recovery='standby'",
    "  + recovery='automatic'",
    "127.0.4.1 restart repmgrd (load the changed repmgr.conf)",
    "127.0.4.1 restart kbha (load the changed repmgr.conf)",
  ]);
});

test("V8R6 file-only: no daemon actions; a pending restart alone plans restarts with restart-daemons", () => {
  const fo = planPolicy(v8r6Args("automatic", "file-only"), [v8r6Snap("127.0.4.1")]);
  assert.deepEqual(fo.plan.nodes[0]!.daemonActions, []);
  const stale = v8r6Snap("127.0.4.1", { repmgrd: { pid: 9, startTimeMs: 1 } });
  const rd = planPolicy(v8r6Args("standby"), [stale, v8r6Snap("127.0.4.2")]);
  assert.deepEqual(
    rd.plan.nodes.map((n) => [n.host, n.files.length, n.daemonActions.length]),
    [["127.0.4.1", 0, 2]],
  );
  assert.deepEqual(rd.plan.unchanged, ["127.0.4.2"]);
  assert.deepEqual(planPolicy(v8r6Args("standby", "file-only"), [stale]).plan.nodes, []);
});

test("blockers: node not read, missing files, ambiguous cron, CRLF that cannot take effect, running recovery", () => {
  const args = v8r3Args("automatic");
  const b1 = planPolicy(args, [v8r3Snap("127.0.3.1")]).plan.blockers;
  assert.deepEqual(b1, [{ host: "127.0.3.2", reason: "the node was not read" }]);
  const b2 = planPolicy(args, [v8r3Snap("127.0.3.1", { haModuleDb: null }), v8r3Snap("127.0.3.2")]).plan
    .blockers;
  assert.deepEqual(b2, [
    {
      host: "127.0.3.1",
      reason: `${HA_DB} does not exist; check engine and paths (vendor defaults unless paths says otherwise)`,
    },
  ]);
  const b3 = planPolicy(args, [
    v8r3Snap("127.0.3.1", { cronFile: `#${LINE}\n#${LINE}\n` }),
    v8r3Snap("127.0.3.2"),
  ]).plan.blockers;
  assert.equal(b3.length, 1);
  assert.match(b3[0]!.reason, /2 commented network_rewind\.sh lines/);
  const crlf = "AUTO_PRIMARY_RECOVERY=0\r\n";
  const b4 = planPolicy(args, [
    v8r3Snap("127.0.3.1", { haModuleDb: crlf, haModuleCluster: crlf }),
    v8r3Snap("127.0.3.2"),
  ]).plan.blockers;
  assert.equal(b4.length, 2);
  assert.match(b4[0]!.reason, /would still not read as 1/);
  const b5 = planPolicy(args, [
    v8r3Snap("127.0.3.1", { recoveryFlag: "1\n777\n", recoveryFlagPidAlive: true }),
    v8r3Snap("127.0.3.2"),
  ]).plan.blockers;
  assert.deepEqual(
    b5.map((b) => b.host),
    ["127.0.3.1"],
  );
  assert.match(b5[0]!.reason, /recovering this node \(KB_RECOVERY_FLAG set, PID 777\)/);
  const b6 = planPolicy(v8r6Args("manual"), [
    v8r6Snap("127.0.4.1", { repmgrConf: null }),
    v8r6Snap("127.0.4.2"),
  ]).plan.blockers;
  assert.match(b6[0]!.reason, new RegExp(`^${REPMGR.replace(/[./]/g, "\\$&")} does not exist; check engine`));
  // A V8R6 policy pointed at a V8R3 host: the reason says which version the host looks like.
  const wrong = planPolicy(v8r6Args("manual"), [
    v8r6Snap("127.0.4.1", { repmgrConf: null, otherEngineFile: HA_DB }),
    v8r6Snap("127.0.4.2"),
  ]).plan.blockers;
  assert.match(
    wrong[0]!.reason,
    /but .*HAmodule\.conf does: this looks like a kingbase-v8r3 host; check engine/,
  );
});

test("the plan never carries file contents or passwords from HAmodule.conf", () => {
  const { plan } = planPolicy(v8r3Args("automatic"), [v8r3Snap("127.0.3.1"), v8r3Snap("127.0.3.2")]);
  const text = JSON.stringify(plan) + renderPolicyPlan(plan).join("\n");
  for (const secret of ["MTIzNDU2", "S0lOR0JBU0VBRE1JTg==", "KB_PASS", "PCP_PASS"]) {
    assert.equal(text.includes(secret), false, secret);
  }
});
