/**
 * The provider's SSH transport against real lab sshd hosts: host-key pinning, typed connection errors,
 * deadlines, PTY prompts for secrets, byte-exact atomic file writes with compare-and-swap.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, test } from "node:test";
import type { LabInfo } from "pulumi-hadr-lab";
import { ensureLab } from "pulumi-hadr-lab";
import {
  DeadlineError,
  HostKeyError,
  SshAuthError,
  SshConnectError,
  StateError,
} from "../../provider/errors";
import { type Fleet, fleetOf } from "../../provider/transport/fleet";
import { Redactor, SECRET_MASK, shellQuote } from "../../provider/transport/redact";
import { readRemoteFiles, sha256Of, writeRemoteFile } from "../../provider/transport/remoteFiles";
import { SshSession, type SshTarget } from "../../provider/transport/ssh";
import { unusableKey } from "../support/pem";

let lab: LabInfo;
let key: string;
let hosts: Array<{ ip: string; sshPort: number; hostKey: string }>;

function target(i: number, over: Partial<SshTarget> = {}): SshTarget {
  const h = hosts[i]!;
  return {
    host: h.ip,
    port: h.sshPort,
    username: lab.asRoot ? "kingbase" : (process.env.USER ?? "root"),
    privateKey: key,
    hostKey: h.hostKey,
    connectTimeoutMs: 5000,
    ...over,
  };
}

before(
  async () => {
    lab = await ensureLab({ engines: [] });
    key = fs.readFileSync(lab.clientKeyPath, "utf8");
    hosts = Object.values(lab.clusters)
      .filter((c) => c.engine !== "opengauss")
      .flatMap((c) => c.hosts);
    assert.ok(hosts.length >= 2, "the lab has KingbaseES hosts");
  },
  { timeout: 600_000 },
);

test("connects with the pinned host key and runs a command", async () => {
  const s = await SshSession.open(target(0), new Redactor([]));
  try {
    const out = await s.run("echo $HADR_LAB_HOST; id -un", { timeoutMs: 5000 });
    assert.deepEqual(out.trim().split("\n"), [hosts[0]!.ip, target(0).username]);
  } finally {
    s.close();
  }
});

test("a wrong pinned host key is refused with HostKeyError naming both fingerprints", async () => {
  const wrong = hosts[1]!.hostKey;
  await assert.rejects(SshSession.open(target(0, { hostKey: wrong }), new Redactor([])), (e: unknown) => {
    assert.ok(e instanceof HostKeyError);
    assert.match(e.message, new RegExp(`is ${hosts[0]!.hostKey.replace(/[+/]/g, "\\$&")}, expected`));
    assert.equal(e.where.node, hosts[0]!.ip);
    return true;
  });
});

test("no pinned key and no opt-out is refused before connecting", async () => {
  await assert.rejects(SshSession.open(target(0, { hostKey: undefined }), new Redactor([])), HostKeyError);
  const s = await SshSession.open(target(0, { hostKey: undefined, insecure: true }), new Redactor([]));
  s.close();
});

test("a refused key is SshAuthError, a closed port SshConnectError (retryable)", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hadr-key-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "k")]);
  const other = fs.readFileSync(path.join(dir, "k"), "utf8");
  fs.rmSync(dir, { recursive: true });
  await assert.rejects(
    SshSession.open(target(0, { privateKey: unusableKey("not a key", false) }), new Redactor([])),
    (e: unknown) => {
      assert.ok(e instanceof SshAuthError);
      assert.match(e.message, /cannot use the private key/);
      return true;
    },
  );
  await assert.rejects(SshSession.open(target(0, { privateKey: other }), new Redactor([])), SshAuthError);
  await assert.rejects(SshSession.open(target(0, { port: 1 }), new Redactor([])), (e: unknown) => {
    assert.ok(e instanceof SshConnectError);
    assert.equal(e.retryable, true);
    return true;
  });
});

test("our deadline ends a hanging command with DeadlineError", async () => {
  const s = await SshSession.open(target(0), new Redactor([]));
  try {
    const t0 = Date.now();
    await assert.rejects(s.exec("sleep 30", { timeoutMs: 1000 }), DeadlineError);
    assert.ok(Date.now() - t0 < 5000);
  } finally {
    s.close();
  }
});

test("PTY prompts get their answers; the secret never comes back in output", async () => {
  const secret = "Pw_9f3kQz#x";
  const s = await SshSession.open(target(0), new Redactor([secret]));
  try {
    const script =
      "printf 'Please enter password for [u]:'; read -r a; printf 'Please repeat enter for password for [u]:'; read -r b; " +
      '[ "$a" = "$b" ] && echo "same:$a"';
    const r = await s.exec(`bash -c ${shellQuote(script)}`, {
      timeoutMs: 5000,
      prompts: [
        { match: /Please enter password for \[u\]:$/, answer: secret },
        { match: /Please repeat enter for password for \[u\]:$/, answer: secret },
      ],
    });
    assert.equal(r.code, 0);
    assert.ok(!r.stdout.includes(secret), "the echoed secret is masked");
    assert.match(r.stdout, new RegExp(`same:${SECRET_MASK.replace(/[[\]]/g, "\\$&")}`));
  } finally {
    s.close();
  }
});

test("files round-trip byte for byte; writes keep mode and refuse a concurrent edit", async () => {
  const fleet: Fleet = fleetOf([target(0)], []);
  try {
    const s = await fleet.session(hosts[0]!.ip);
    const p = `/home/${target(0).username}/hadr-transport-test.conf`;
    await s.run(`rm -f ${p}; printf 'a  b\\r\\n#c\\r\\nno-final-newline' > ${p}; chmod 640 ${p}`, {
      timeoutMs: 5000,
    });
    const [before] = await readRemoteFiles(s, [p], { timeoutMs: 5000 });
    assert.equal(before!.text, "a  b\r\n#c\r\nno-final-newline");
    assert.equal(before!.mode, "640");
    await writeRemoteFile(s, p, "x\r\ny", { expectSha256: before!.sha256, timeoutMs: 5000 });
    const [after] = await readRemoteFiles(s, [p], { timeoutMs: 5000 });
    assert.equal(after!.text, "x\r\ny");
    assert.equal(after!.mode, "640");
    assert.equal(after!.sha256, sha256Of("x\r\ny"));
    await assert.rejects(
      writeRemoteFile(s, p, "z", { expectSha256: before!.sha256, timeoutMs: 5000 }),
      StateError,
    );
    const [missing] = await readRemoteFiles(s, [`${p}.none`], { timeoutMs: 5000 });
    assert.equal(missing!.text, null);
    await s.run(`rm -f ${p}`, { timeoutMs: 5000 });
  } finally {
    await fleet.close();
  }
});

test("a fleet fans out over hosts and reports each host's outcome", async () => {
  const fleet = fleetOf([target(0), target(1, { hostKey: hosts[0]!.hostKey })], []);
  try {
    const out = await fleet.each([hosts[0]!.ip, hosts[1]!.ip], (s) =>
      s.run("echo $HADR_LAB_HOST", { timeoutMs: 5000 }),
    );
    assert.equal(out[0]!.ok && out[0]!.value.trim(), hosts[0]!.ip);
    assert.equal(out[1]!.ok, false);
    assert.ok(!out[1]!.ok && out[1]!.error instanceof HostKeyError);
  } finally {
    await fleet.close();
  }
});
