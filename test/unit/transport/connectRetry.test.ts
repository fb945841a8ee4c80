import assert from "node:assert/strict";
import { test } from "node:test";
import { HostKeyError, SshConnectError } from "../../../provider/errors";
import { connectWithRetry, type Opener } from "../../../provider/transport/fleet";
import { Redactor } from "../../../provider/transport/redact";
import type { SshSession, SshTarget } from "../../../provider/transport/ssh";

const target = (connectTimeoutMs: number): SshTarget => ({
  host: "127.0.0.9",
  port: 22,
  username: "omm",
  privateKey: "k",
  connectTimeoutMs,
  insecure: true,
});
const session = {} as SshSession;

/** An opener that fails with `errors` in turn (after `delayMs` each), then succeeds; counts its calls. */
function opener(errors: Error[], delayMs = 0): Opener & { calls: number } {
  const o = Object.assign(
    async () => {
      o.calls += 1;
      await new Promise((r) => setTimeout(r, delayMs));
      const e = errors.shift();
      if (e) throw e;
      return session;
    },
    { calls: 0 },
  );
  return o;
}

test("a fast retryable failure (refused, reset) is retried; the session comes back", async () => {
  const o = opener([new SshConnectError("refused"), new SshConnectError("reset")]);
  assert.equal(await connectWithRetry(target(5000), new Redactor([]), o), session);
  assert.equal(o.calls, 3);
});

test("a failure that is not retryable (host key, auth) is thrown at once", async () => {
  const o = opener([new HostKeyError("mismatch")]);
  await assert.rejects(connectWithRetry(target(5000), new Redactor([]), o), HostKeyError);
  assert.equal(o.calls, 1);
});

test("a slow failure (a host that is gone: the timeout) is not retried, so a lost site costs one timeout", async () => {
  const o = opener([new SshConnectError("timed out")], 120);
  await assert.rejects(connectWithRetry(target(200), new Redactor([]), o), /timed out/);
  assert.equal(o.calls, 1);
});

test("retries stop at four attempts and within the connect timeout", async () => {
  const always = Array.from({ length: 10 }, () => new SshConnectError("refused"));
  const o = opener(always);
  await assert.rejects(connectWithRetry(target(60_000), new Redactor([]), o), /refused/);
  assert.equal(o.calls, 4);
  const short = opener(Array.from({ length: 10 }, () => new SshConnectError("refused")));
  await assert.rejects(connectWithRetry(target(300), new Redactor([]), short), /refused/);
  assert.ok(short.calls <= 2, `calls ${short.calls}`);
});
