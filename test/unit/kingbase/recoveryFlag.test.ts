import assert from "node:assert/strict";
import { test } from "node:test";
import { settleRecoveryFlag } from "../../../provider/engines/kingbase/versions/v8r3";

/** A node whose flag file reads the given texts in turn (the last one repeats), with the PIDs that are alive. */
function node(texts: (string | null)[], alive: number[]) {
  let reads = 0;
  return {
    reads: () => reads,
    io: {
      async userFiles(paths: string[]) {
        const text = texts[Math.min(reads, texts.length - 1)] ?? null;
        reads += 1;
        return paths.map(() => ({ text, mtimeMs: null }));
      },
      async pidAlive(pid: string) {
        return alive.includes(Number(pid));
      },
    },
  };
}

const FILE = "/dev/shm/KB_RECOVERY_FLAG";
const FAST = { timeoutMs: 200, intervalMs: 10 };

test("a clear flag (missing, 0, or a dead PID) is taken as read, with no re-read", async () => {
  for (const [first, alive] of [
    [null, []],
    ["0\n42\n", [42]],
    ["1\n42\n", []],
  ] as const) {
    const n = node([], [...alive]);
    const r = await settleRecoveryFlag(n.io, FILE, first, FAST);
    assert.equal(r.text, first);
    assert.equal(n.reads(), 0);
  }
});

test("a flag a routine network_rewind.sh run holds for a moment is re-read until it clears", async () => {
  const n = node(["1\n42\n", "1\n42\n", "0\n42\n"], [42]);
  const r = await settleRecoveryFlag(n.io, FILE, "1\n42\n", FAST);
  assert.equal(r.text, "0\n42\n");
  assert.equal(n.reads(), 3);
});

test("a flag whose process ends while we wait counts as clear (pidAlive false)", async () => {
  const alive = [42];
  const n = node(["1\n42\n"], alive);
  const io = {
    ...n.io,
    async userFiles(paths: string[]) {
      if (n.reads() === 1) alive.length = 0; // the run ends after our second read
      return n.io.userFiles(paths);
    },
  };
  const r = await settleRecoveryFlag(io, FILE, "1\n42\n", FAST);
  assert.deepEqual(r, { text: "1\n42\n", pidAlive: false });
  assert.equal(n.reads(), 2);
});

test("a flag held past the settle time is a recovery in progress: the last reading, still set and alive", async () => {
  const n = node(["1\n42\n"], [42]);
  const t0 = Date.now();
  const r = await settleRecoveryFlag(n.io, FILE, "1\n42\n", FAST);
  assert.deepEqual(r, { text: "1\n42\n", pidAlive: true });
  assert.ok(Date.now() - t0 < 2_000, "bounded by the settle time");
  assert.ok(n.reads() > 1);
});
