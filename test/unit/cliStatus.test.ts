/** `pulumi-hadr --version`, the status command's arguments and its rendering (the read is tested on the lab). */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { main } from "../../provider/cli/main";
import { type PairStatus, renderStatus } from "../../provider/cli/status";
import type { ClusterView } from "../../provider/engines/opengauss/decide";
import { REPO_ROOT } from "../support/pulumi";
import { view as clusterView } from "./opengauss/views";

function view(name: string, extra: Partial<ClusterView>): ClusterView & { runNode: string } {
  return {
    ...clusterView(name, { stat: "archive", ...extra }),
    runNode: `${name.toLowerCase()}1 (127.0.0.1)`,
  };
}

test("--version prints the package's version", async (t) => {
  const logged: string[] = [];
  t.mock.method(console, "log", (m: string) => logged.push(m));
  assert.equal(await main(["--version"]), 0);
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
  assert.deepEqual(logged, [pkg.version]);
});

test("--help shows the inputs file's shape; status without its inputs file is a usage error", async (t) => {
  const logged: string[] = [];
  t.mock.method(console, "log", (m: string) => logged.push(m));
  t.mock.method(console, "error", (m: string) => logged.push(m));
  assert.equal(await main(["--help"]), 0);
  assert.match(logged.join("\n"), /"clusters": \{\s*"siteA": \{ "xmlFile": "siteA\.xml"/);
  assert.equal(await main(["status"]), 2);
  assert.equal(await main(["status", "inputs.json", "--ssh-key-file", "k", "--out", "x"]), 2);
  assert.equal(await main(["status", "inputs.json"]), 2);
});

test("status renders health, roles, RPO/RTO and per cluster what runs, locks and step files", () => {
  const s: PairStatus = {
    outputs: {
      primary: "A",
      rpoSeconds: 3,
      rtoSeconds: null,
      health: "degraded: DR cluster B unreachable (connection refused); A keeps serving as primary",
      healthState: "degraded",
    },
    clusters: [
      view("A", {
        running: ["switchover@127.0.1.1"],
        locks: [{ node: "127.0.1.2", trace: "abc", ours: false }],
        stepFiles: ["switchover_primary"],
      }),
      view("B", { reachable: false, unreachableReason: "connection refused", stat: null }),
    ],
  };
  assert.deepEqual(renderStatus(s), [
    "health:  degraded (degraded: DR cluster B unreachable (connection refused); A keeps serving as primary)",
    "primary: A    RPO: 3 s    RTO: unknown",
    "",
    "A: hadr_cluster_stat archive, cluster_state Normal; run node a1 (127.0.0.1)",
    "  gs_sdr running: switchover@127.0.1.1",
    "  locks:          streaming_lock_abc on 127.0.1.2",
    "  step files:     switchover_primary",
    "",
    "B: unreachable (connection refused); run node b1 (127.0.0.1)",
  ]);
});
