/** Table tests of the RecoveryPolicy adopt decision: adopt only when the live nodes already match. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { decidePolicyAdopt } from "../../../provider/engines/kingbase/adopt";
import { planPolicy } from "../../../provider/engines/kingbase/planApply";
import { v8r3Args, v8r3Snap, v8r6Args, v8r6Snap } from "./helpers";

const R3 = ["127.0.3.1", "127.0.3.2"];
const R6 = ["127.0.4.1", "127.0.4.2"];

const rows: Array<{
  name: string;
  plan: () => ReturnType<typeof planPolicy>["plan"];
  hosts: string[];
  /** `adopt`, or the property refused and a fragment of the reason. */
  expect: "adopt" | [string, string];
}> = [
  {
    name: "V8R3 vendor install asked for standby (what it has) → adopt",
    plan: () =>
      planPolicy(
        v8r3Args("standby"),
        R3.map((h) => v8r3Snap(h)),
      ).plan,
    hosts: R3,
    expect: "adopt",
  },
  {
    name: "V8R3 standby asked for automatic → refused on nodes[0], both nodes listed",
    plan: () =>
      planPolicy(
        v8r3Args("automatic"),
        R3.map((h) => v8r3Snap(h)),
      ).plan,
    hosts: R3,
    expect: ["nodes[0]", "127.0.3.1: /home/kingbase/cluster/HAR3/db/etc/HAmodule.conf: 1 line differ"],
  },
  {
    name: "V8R3: only the second node differs → refused on nodes[1]",
    plan: () =>
      planPolicy(v8r3Args("standby"), [
        v8r3Snap(R3[0]!),
        v8r3Snap(R3[1]!, {
          haModuleDb: v8r3Snap(R3[1]!).haModuleDb!.replace(
            "AUTO_PRIMARY_RECOVERY=0",
            "AUTO_PRIMARY_RECOVERY=1",
          ),
        }),
      ]).plan,
    hosts: R3,
    expect: ["nodes[1]", "127.0.3.2:"],
  },
  {
    name: "V8R6 standby asked for standby → adopt",
    plan: () =>
      planPolicy(
        v8r6Args("standby"),
        R6.map((h) => v8r6Snap(h)),
      ).plan,
    hosts: R6,
    expect: "adopt",
  },
  {
    name: "V8R6 standby asked for automatic → refused (line and daemon restarts)",
    plan: () =>
      planPolicy(
        v8r6Args("automatic"),
        R6.map((h) => v8r6Snap(h)),
      ).plan,
    hosts: R6,
    expect: ["nodes[0]", "repmgrd needs a restart"],
  },
  {
    name: "V8R6 file right but the daemons run an older file → refused (a restart is a change)",
    plan: () =>
      planPolicy(
        v8r6Args("standby"),
        R6.map((h) => v8r6Snap(h, { repmgrd: { pid: 4242, startTimeMs: 1_600_000_000_000 } })),
      ).plan,
    hosts: R6,
    expect: ["nodes[0]", "needs a restart"],
  },
  {
    name: "a node that could not be read → refused (blocked), never adopted",
    plan: () =>
      planPolicy(v8r6Args("standby"), [v8r6Snap(R6[0]!), v8r6Snap(R6[1]!, { repmgrConf: null })]).plan,
    hosts: R6,
    expect: ["nodes[1]", "blocked:"],
  },
];

for (const r of rows) {
  test(r.name, () => {
    const d = decidePolicyAdopt(r.plan(), r.hosts);
    if (r.expect === "adopt") {
      assert.deepEqual(d, { adopt: true });
      return;
    }
    assert.equal(d.adopt, false);
    if (d.adopt) return;
    assert.equal(d.property, r.expect[0], d.reason);
    assert.ok(d.reason.includes(r.expect[1]), d.reason);
    assert.match(d.hint, /^Nothing was changed\./);
  });
}
