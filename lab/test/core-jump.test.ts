/**
 * Self-test of the jump host (`lab jump on|off`, core/jump.ts): with the jump host on for cluster B, this
 * process's connections to B's sshd fail at once with EHOSTUNREACH (the firewall), B is reached through the jump
 * host (ssh2 `forwardOut`, host keys pinned on both hops), A directly; `reset` removes the firewall table and
 * the jump host. Needs root (skipped otherwise).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { Client, type ClientChannel } from "ssh2";
import { firewallScript } from "../src/core/jump";
import { fingerprintOfBlob } from "../src/core/keys";
import { ensureLab, type JumpInfo, jumpOff, jumpOn, labCli } from "../src/fixture";
import type { LabInfo } from "../src/types";

const asRoot = process.getuid?.() === 0;
let lab: LabInfo;

/** Connects with the client key, the host key pinned; resolves with the client or rejects with the error. */
function connect(host: string, port: number, hostKey: string, sock?: ClientChannel): Promise<Client> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    const timer = setTimeout(() => {
      c.end();
      reject(new Error(`no SSH session with ${host} within 10 s`));
    }, 10_000);
    c.once("ready", () => {
      clearTimeout(timer);
      resolve(c);
    });
    c.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    c.connect({
      host,
      port,
      username: "omm",
      privateKey: fs.readFileSync(lab.clientKeyPath),
      readyTimeout: 10_000,
      hostVerifier: (k: Buffer) => fingerprintOfBlob(k) === hostKey,
      ...(sock ? { sock } : {}),
    });
  });
}

/** Resolves with the error code of a TCP connect to ip:port (or "connected"). */
function tcp(ip: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: ip, port });
    s.setTimeout(5000, () => {
      s.destroy();
      resolve("timeout");
    });
    s.once("connect", () => {
      s.destroy();
      resolve("connected");
    });
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

test("the firewall script rejects the guarded addresses' ssh port for every socket owner but the lab users", () => {
  const s = firewallScript("hadr_lab_jump_7", ["127.7.2.1", "127.7.2.2"], 22, [1001, 1002]);
  assert.match(s, /^add table inet hadr_lab_jump_7\ndelete table inet hadr_lab_jump_7\n/);
  assert.match(
    s,
    /ip daddr \{ 127\.7\.2\.1, 127\.7\.2\.2 \} tcp dport 22 meta skuid != \{ 1001, 1002 \} reject with icmpx type admin-prohibited/,
  );
});

before(
  async () => {
    if (!asRoot) return;
    lab = await ensureLab({ engines: [] });
    assert.equal((await labCli(["reset"])).code, 0);
  },
  { timeout: 900_000 },
);

after(
  async () => {
    if (asRoot) await jumpOff();
  },
  { timeout: 120_000 },
);

test("jump on B: only the jump host reaches B's sshd; reset removes firewall and jump host", {
  skip: !asRoot,
  timeout: 180_000,
}, async () => {
  const b1 = lab.clusters["B"]!.hosts[0]!;
  const a1 = lab.clusters["A"]!.hosts[0]!;
  assert.equal(await tcp(b1.ip, b1.sshPort), "connected", "before: B is reached directly");
  const jump: JumpInfo = await jumpOn("B");
  assert.deepEqual(
    jump.guarded,
    lab.clusters["B"]!.hosts.map((h) => h.ip),
  );
  assert.equal(
    await tcp(b1.ip, b1.sshPort),
    "EHOSTUNREACH",
    "the direct route is refused as by a REJECT rule",
  );
  assert.equal(await tcp(a1.ip, a1.sshPort), "connected", "A is not behind the jump host");

  const j = await connect(jump.ip, jump.sshPort, jump.hostKey);
  try {
    const ch = await new Promise<ClientChannel>((resolve, reject) =>
      j.forwardOut("127.0.0.1", 0, b1.ip, b1.sshPort, (e, s) => (e ? reject(e) : resolve(s))),
    );
    const b = await connect(b1.ip, b1.sshPort, b1.hostKey, ch);
    const out = await new Promise<string>((resolve, reject) =>
      b.exec("echo $HADR_LAB_HOST", (e, s) => {
        if (e) return reject(e);
        let text = "";
        s.on("data", (d: Buffer) => {
          text += d.toString();
        });
        s.on("close", () => resolve(text.trim()));
      }),
    );
    b.end();
    assert.equal(out, b1.ip);
  } finally {
    j.end();
  }
  // A wrong pinned key of the jump host is refused by ssh2 (the lab fingerprint is what it checks).
  await assert.rejects(connect(jump.ip, jump.sshPort, b1.hostKey));

  assert.equal((await labCli(["reset"])).code, 0);
  assert.equal(await tcp(b1.ip, b1.sshPort), "connected", "reset removes the firewall");
  assert.equal(fs.existsSync(path.join(lab.root, "hosts", jump.ip)), false, "reset removes the jump host");
  assert.throws(() => execFileSync("nft", ["list", "table", "inet", jump.table], { stdio: "pipe" }));
});
