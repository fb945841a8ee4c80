/**
 * delete() of a DrRelationship (dissolve.ts) on the fake pair (`fakePair.ts`): per cluster what runs and in
 * which order, what is reported as left behind, the provider's own files removed (or said to stay), and the
 * typed errors when it cannot run or only part of it could.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { withProgress } from "../../../provider/core/progress";
import { dissolve } from "../../../provider/engines/opengauss/dissolve";
import { LockedError, StateError, ToolError } from "../../../provider/errors";
import { FakePair, HOSTS, OWN } from "./fakePair";

async function destroy(pair: FakePair): Promise<{ lines: string[]; error?: unknown }> {
  const lines: string[] = [];
  const sink = { info: (l: string) => lines.push(l), warn: (l: string) => lines.push(`warning: ${l}`) };
  try {
    await withProgress(sink, () => dissolve(pair.ctx, OWN, "dr"));
    return { lines };
  } catch (error) {
    return { lines, error };
  }
}

/** The `rm -rf ~/.pulumi-hadr` of the dissolve report, by host. */
const removals = (pair: FakePair) =>
  pair.reads
    .filter((r) => r.key === "rm" && r.command.includes('rm -rf "$HOME/.pulumi-hadr"'))
    .map((r) => r.host);

test("an established pair: the DR side is failed over, then the primary side stopped (its XML placed first)", async () => {
  const pair = new FakePair();
  pair.stat["A"] = "archive";
  pair.stat["B"] = "recovery";
  const { lines, error } = await destroy(pair);
  assert.equal(error, undefined, String(error));
  assert.deepEqual(pair.runLines(), ["B@127.0.2.1 failover", "A@127.0.1.1 stop"]);
  const xml = pair.remote.log.filter((r) => r.command.includes('cat > "$HOME/.pulumi-hadr/dr-'));
  assert.deepEqual(
    xml.map((r) => r.host),
    ["127.0.1.1"],
  );
  assert.ok(xml[0]!.seq < pair.runs[1]!.record.seq);
  assert.match(pair.runs[1]!.line, /^gs_sdr -t stop -X "\$HOME\/\.pulumi-hadr\/dr-A\.xml"$/);
  assert.deepEqual(removals(pair).sort(), [...HOSTS["A"]!, ...HOSTS["B"]!].sort(), "on every DN");
  assert.ok(
    lines.includes(
      "A: removed the provider's own files (~/.pulumi-hadr); most_available_sync stays on where gs_sdr set it (≤ 2 DNs)",
    ),
    lines.join("\n"),
  );
});

test("what gs_sdr leaves behind is reported per node: the peer's pg_hba lines and cluster_maintance", async () => {
  const pair = new FakePair();
  pair.stat["A"] = "archive";
  pair.stat["B"] = "recovery";
  pair.hba["127.0.1.2"] = [
    "host    all    all    127.0.2.1/32    sha256",
    "host    all    all    127.0.9.9/32    sha256",
  ].join("\n");
  pair.maintenance.add("127.0.2.1");
  const { lines } = await destroy(pair);
  assert.ok(
    lines.includes(
      "left behind on A/oga2 pg_hba.conf (gs_sdr does not remove it): host all all 127.0.2.1/32 sha256",
    ),
    lines.join("\n"),
  );
  assert.ok(
    !lines.some((l) => l.includes("127.0.9.9")),
    "a line of nobody in the pair is not ours to report",
  );
  assert.ok(lines.some((l) => l.startsWith("left behind on B/ogb1: $GAUSSHOME/bin/cluster_maintance")));
});

test("a pair already dissolved runs nothing and removes only the provider's files", async () => {
  const pair = new FakePair();
  const { error } = await destroy(pair);
  assert.equal(error, undefined);
  assert.deepEqual(pair.runs, []);
  assert.equal(removals(pair).length, 4);
});

test("a leftover start step on a side is forgotten before its stop (stop refuses while it exists)", async () => {
  const pair = new FakePair();
  pair.stat["A"] = "archive";
  pair.steps["127.0.1.1"] = ["start_primary"];
  await destroy(pair);
  const rmStep = pair.reads.find(
    (r) => r.key === "rm" && r.command.includes(".streaming_start_primary.step"),
  )!;
  assert.equal(rmStep.host, "127.0.1.1");
  assert.deepEqual(pair.runLines(), ["A@127.0.1.1 stop"]);
  assert.ok(rmStep.record.seq < pair.runs[0]!.record.seq);
});

test("the primary side unreachable: the DR side is failed over and cleaned, then a StateError names what still holds DR settings", async () => {
  const pair = new FakePair();
  pair.stat["B"] = "recovery";
  pair.down("A");
  const { error } = await destroy(pair);
  assert.ok(error instanceof StateError, String(error));
  assert.match(
    error.message,
    /dissolved what could be reached; A cannot be reached and still holds its DR settings/,
  );
  assert.deepEqual(pair.runLines(), ["B@127.0.2.1 failover"]);
  assert.deepEqual(removals(pair).sort(), HOSTS["B"]!);
});

test("a failed gs_sdr failover is a ToolError and nothing after it runs", async () => {
  const pair = new FakePair();
  pair.stat["A"] = "archive";
  pair.stat["B"] = "recovery";
  pair.stage("B failover", { code: 1, stdout: "[GAUSS-51632] : Failed to do failover.\n" });
  const { error } = await destroy(pair);
  assert.ok(error instanceof ToolError, String(error));
  assert.equal(error.where.cluster, "B");
  assert.match(error.hint ?? "", /pulumi destroy/);
  assert.deepEqual(pair.runLines(), ["B@127.0.2.1 failover"]);
  assert.deepEqual(removals(pair), []);
});

test("a failed gs_sdr stop is a ToolError; the provider's files stay", async () => {
  const pair = new FakePair();
  pair.stat["A"] = "archive";
  pair.stage("A stop", { code: 1, stdout: "Stop failed.\n" });
  const { error } = await destroy(pair);
  assert.ok(error instanceof ToolError, String(error));
  assert.match(error.message, /gs_sdr stop failed on A \(127\.0\.1\.1.*Stop failed\./);
  assert.deepEqual(removals(pair), []);
});

test("a foreign gs_sdr lock blocks the dissolve before anything runs (LockedError or StateError)", async () => {
  const pair = new FakePair();
  pair.stat["A"] = "archive";
  pair.stat["B"] = "recovery";
  pair.locks["127.0.1.1"] = ["ef".repeat(16)];
  const { error } = await destroy(pair);
  assert.ok(error instanceof LockedError || error instanceof StateError, String(error));
  assert.deepEqual(pair.runs, []);
  assert.deepEqual(removals(pair), []);
});

test("a DN that does not answer keeps the provider's files, and the report says so by name", async () => {
  const pair = new FakePair();
  pair.down("A", ["127.0.1.2"]);
  const { lines, error } = await destroy(pair);
  assert.equal(error, undefined, "destroy does not fail for a report");
  assert.ok(
    lines.some((l) =>
      /^A: the provider's own files \(~\/\.pulumi-hadr\) stay on oga2 \(.*127\.0\.1\.2/.test(l),
    ),
    lines.join("\n"),
  );
});

test("a removal that fails on a node is reported as kept there, never as removed", async () => {
  const pair = new FakePair();
  pair.rmFails["127.0.2.2"] = "rm: cannot remove '/home/omm/.pulumi-hadr/runs': Permission denied\n";
  const { lines } = await destroy(pair);
  assert.ok(
    lines.some((l) =>
      /^B: the provider's own files \(~\/\.pulumi-hadr\) stay on ogb2 \(.*Permission denied/.test(l),
    ),
    lines.join("\n"),
  );
  assert.ok(lines.some((l) => l.startsWith("A: removed the provider's own files")));
});
