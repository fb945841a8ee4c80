import assert from "node:assert/strict";
import { test } from "node:test";
import { summarizeSdrOutput } from "../../../provider/engines/opengauss/parsers/sdrOutput";
import {
  deadlineSeconds,
  lastMeaningfulLine,
  type SdrRun,
  sdrFailure,
} from "../../../provider/engines/opengauss/tasks";

const HEADER = ["-".repeat(80), `Streaming disaster recovery start ${"a1".repeat(16)}`, "-".repeat(80)];

function run(stdout: string, exitCode: number | null = 1, detached = false): SdrRun {
  return {
    cluster: "A",
    node: "127.0.1.1",
    exitCode,
    summary: summarizeSdrOutput(stdout),
    detached,
    outputFile: "$HOME/.pulumi-hadr/runs/1-start-ab.out",
  };
}

test("a failure without a GAUSS code quotes gs_sdr's last meaningful line, with cluster, node and trace", () => {
  const out = [
    ...HEADER,
    "Start create streaming disaster relationship.",
    "Current cluster is already in archive, start is forbidden.",
    "",
  ].join("\n");
  const e = sdrFailure(run(out), "gs_sdr start", "hint");
  assert.match(e.message, /gs_sdr start failed on A \(127\.0\.1\.1, trace a1a1/);
  assert.match(e.message, /Current cluster is already in archive, start is forbidden\./);
  assert.equal(e.vendorCode, undefined);
});

test("a traceback gives its last line; a GAUSS code wins over both", () => {
  const tb = [
    ...HEADER,
    "Traceback (most recent call last):",
    '  File "gs_sdr", line 1, in <module>',
    "Exception: Failed get term",
    "",
  ].join("\n");
  assert.equal(lastMeaningfulLine(summarizeSdrOutput(tb)), "Exception: Failed get term");
  const gauss = [
    ...HEADER,
    "[GAUSS-51632] : Failed to do check cluster status.",
    "Traceback (most recent call last):",
    "Exception: x",
  ].join("\n");
  const e = sdrFailure(run(gauss), "gs_sdr switchover", "hint");
  assert.equal(e.vendorCode, "GAUSS-51632");
  assert.match(e.message, /\[GAUSS-51632\] Failed to do check cluster status\./);
});

test("progress percentages and password prompts are never the quoted line", () => {
  const out = [
    ...HEADER,
    "Please enter password for [druser]:",
    "The two passwords entered for too many times are inconsistent. Authentication failed.",
    "30%",
  ].join("\n");
  assert.equal(
    lastMeaningfulLine(summarizeSdrOutput(out)),
    "The two passwords entered for too many times are inconsistent. Authentication failed.",
  );
});

test("a run past our deadline is reported as left running, never as killed, with where its output goes", () => {
  const e = sdrFailure(run("", null, true), "gs_sdr switchover", "hint");
  assert.match(e.message, /passed our deadline and was left running \(never killed\)/);
  assert.match(e.hint ?? "", /~\/\.pulumi-hadr\/runs\/1-start-ab\.out on 127\.0\.1\.1/);
  assert.equal(e.retryable, true);
});

test("deadlines cover gs_sdr's own fixed waits (formula in the README)", () => {
  assert.equal(deadlineSeconds({ task: "start", mode: "primary" }, 1200), 2100);
  assert.equal(deadlineSeconds({ task: "start", mode: "disaster_standby" }, 1200), 4200);
  assert.equal(deadlineSeconds({ task: "switchover", mode: "disaster_standby" }, 1200), 3300);
  assert.equal(deadlineSeconds({ task: "switchover", mode: "primary" }, 1200), 2400);
  assert.equal(deadlineSeconds({ task: "failover" }, 10), 2100, "failover ignores --time-out");
  assert.ok(
    deadlineSeconds({ task: "switchover", mode: "disaster_standby" }, 60) > 1200 + 3 * 300,
    "truncation + three cluster stop/starts",
  );
});
