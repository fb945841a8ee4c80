/**
 * The SSH transport's jump-host and agent paths against the lab: cluster B behind the lab's jump host (a
 * firewall refuses this process's direct connections), host keys pinned on both hops, one jump connection
 * shared by a fleet's targets, typed errors naming the hop that failed, and a real `ssh-agent` (started here on
 * a socket in a temporary directory, killed by pid) instead of a key.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import type { JumpInfo, LabInfo } from "pulumi-hadr-lab";
import { ensureLab, jumpOff, jumpOn, labCli } from "pulumi-hadr-lab";
import { HostKeyError, SshAuthError, SshConnectError } from "../../provider/errors";
import { fleetOf } from "../../provider/transport/fleet";
import { Redactor } from "../../provider/transport/redact";
import { SshSession, type SshTarget } from "../../provider/transport/ssh";
import { testPrivateKey } from "../support/keys";

let lab: LabInfo;
let key: string;
let jump: JumpInfo;
let agentDir: string | undefined;
let agent: ChildProcess | undefined;

function b(i: number, over: Partial<SshTarget> = {}): SshTarget {
  const h = lab.clusters["B"]!.hosts[i]!;
  return {
    host: h.ip,
    port: h.sshPort,
    username: "omm",
    privateKey: key,
    hostKey: h.hostKey,
    connectTimeoutMs: 5000,
    cluster: "B",
    proxy: {
      host: jump.ip,
      port: jump.sshPort,
      username: jump.user,
      hostKey: jump.hostKey,
      privateKey: key,
      connectTimeoutMs: 5000,
    },
    ...over,
  };
}

/** Lines of the jump host's sshd log that record an accepted login. */
function jumpLogins(): number {
  const log = path.join(lab.root, "hosts", jump.ip, "ssh", "sshd.log");
  return (fs.readFileSync(log, "utf8").match(/Accepted publickey for /g) ?? []).length;
}

before(
  async () => {
    lab = await ensureLab({ engines: ["opengauss"] });
    assert.ok(lab.asRoot, "the jump host needs the root lab");
    key = fs.readFileSync(lab.clientKeyPath, "utf8");
    assert.equal((await labCli(["reset"])).code, 0);
    jump = await jumpOn("B");
  },
  { timeout: 600_000 },
);

after(
  async () => {
    if (agent?.pid !== undefined) process.kill(agent.pid, "SIGTERM");
    if (agentDir) fs.rmSync(agentDir, { recursive: true, force: true });
    await jumpOff();
  },
  { timeout: 120_000 },
);

test("the direct route to B is refused (No route to host); A is still reached directly", async () => {
  const { proxy: _p, ...direct } = b(0);
  await assert.rejects(SshSession.open(direct, new Redactor([])), (e: unknown) => {
    assert.ok(e instanceof SshConnectError);
    assert.match(e.message, /EHOSTUNREACH|No route to host/);
    return true;
  });
  const a = lab.clusters["A"]!.hosts[0]!;
  const s = await SshSession.open({ ...direct, host: a.ip, hostKey: a.hostKey }, new Redactor([]));
  s.close();
});

test("a fleet reaches every node of B through one connection to the jump host", async () => {
  const before = jumpLogins();
  const fleet = fleetOf([b(0), b(1)], []);
  try {
    const out = await fleet.all([b(0).host, b(1).host], (s) =>
      s.run("echo $HADR_LAB_HOST", { timeoutMs: 10_000 }),
    );
    assert.deepEqual(
      out.map((o) => o.trim()),
      [b(0).host, b(1).host],
    );
  } finally {
    await fleet.close();
  }
  assert.equal(jumpLogins() - before, 1, "one login on the jump host for both nodes");
});

test("host keys are pinned on both hops: each mismatch is a HostKeyError naming its host", async () => {
  const wrongJump = b(0, { proxy: { ...b(0).proxy!, hostKey: b(0).hostKey! } });
  await assert.rejects(fleetOf([wrongJump], []).session(wrongJump.host), (e: unknown) => {
    assert.ok(e instanceof HostKeyError);
    assert.equal(e.where.node, jump.ip);
    assert.match(e.hint ?? "", /ssh\.proxy\.hostKey/);
    return true;
  });
  const wrongNode = b(0, { hostKey: b(1).hostKey! });
  await assert.rejects(fleetOf([wrongNode], []).session(wrongNode.host), (e: unknown) => {
    assert.ok(e instanceof HostKeyError);
    assert.equal(e.where.node, b(0).host);
    assert.match(e.message, /expected/);
    return true;
  });
});

test("a key the jump host refuses is SshAuthError on the jump host; a closed port behind it SshConnectError", async () => {
  const other = testPrivateKey("not-authorized");
  const refused = b(0, { proxy: { ...b(0).proxy!, privateKey: other } });
  const f1 = fleetOf([refused], []);
  await assert.rejects(f1.session(refused.host), (e: unknown) => {
    assert.ok(e instanceof SshAuthError);
    assert.equal(e.where.node, jump.ip);
    assert.ok(!f1.redactor.redact(e.message).includes(other.split("\n")[1]!));
    return true;
  });
  const closed = b(0, { port: 2 });
  const f2 = fleetOf([closed], []);
  try {
    await assert.rejects(f2.session(closed.host), (e: unknown) => {
      assert.ok(e instanceof SshConnectError);
      assert.match(
        e.message,
        new RegExp(
          `jump host ${jump.ip.replace(/\./g, "\\.")} cannot connect to ${closed.host.replace(/\./g, "\\.")}:2`,
        ),
      );
      return true;
    });
  } finally {
    await f2.close();
  }
});

/** Starts `ssh-agent -D` on a socket of its own and loads the lab's client key into it; returns the socket. */
async function startAgent(): Promise<string> {
  agentDir = fs.mkdtempSync(path.join(os.tmpdir(), "hadr-agent-"));
  const sock = path.join(agentDir, "agent.sock");
  agent = spawn("ssh-agent", ["-D", "-a", sock], { stdio: "ignore" });
  const end = Date.now() + 10_000;
  while (!fs.existsSync(sock)) {
    if (Date.now() > end) throw new Error("ssh-agent did not create its socket within 10 s");
    await new Promise((r) => setTimeout(r, 50));
  }
  const copy = path.join(agentDir, "key");
  fs.writeFileSync(copy, key, { mode: 0o600 });
  execFileSync("ssh-add", [copy], {
    env: { ...process.env, SSH_AUTH_SOCK: sock },
    timeout: 10_000,
    stdio: "pipe",
  });
  fs.rmSync(copy);
  return sock;
}

test("an ssh-agent instead of a key: both hops authenticate with the agent's key", async () => {
  const sock = await startAgent();
  const t = b(1, {
    privateKey: undefined,
    agent: sock,
    proxy: { ...b(1).proxy!, privateKey: undefined, agent: sock },
  });
  const fleet = fleetOf([t], []);
  try {
    const s = await fleet.session(t.host);
    assert.equal((await s.run("id -un", { timeoutMs: 10_000 })).trim(), "omm");
  } finally {
    await fleet.close();
  }
  const a = lab.clusters["A"]!.hosts[0]!;
  const { proxy: _p, ...viaAgent } = t;
  const direct = await SshSession.open({ ...viaAgent, host: a.ip, hostKey: a.hostKey }, new Redactor([]));
  direct.close();
});
