/**
 * Self-tests of the lab core: real sshd per loopback host, pinned host keys, key-only login, private
 * mount namespaces, SetEnv, core faults and reset, idempotent `up`. Needs root (skipped otherwise).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, test } from "node:test";
import { Client } from "ssh2";
import { fingerprintOfBlob } from "../src/core/keys";
import { ensureLab, hostPower, labCli, labHost, sshExec } from "../src/fixture";
import type { LabInfo } from "../src/types";

const asRoot = process.getuid?.() === 0;
let lab: LabInfo;

function hostsOf(l: LabInfo, cluster: string) {
  const c = l.clusters[cluster];
  assert.ok(c, `cluster ${cluster} in lab.json`);
  return c.hosts;
}

/** Tries to authenticate with `auth` and reports the methods the server offered after `none`. */
function tryAuth(
  host: { ip: string; sshPort: number },
  auth: "password" | "keyboard-interactive",
): Promise<{ ok: boolean; offered: string[] }> {
  return new Promise((resolve) => {
    const conn = new Client();
    let offered: string[] = [];
    let step = 0;
    conn.on("ready", () => {
      conn.end();
      resolve({ ok: true, offered });
    });
    conn.on("error", () => resolve({ ok: false, offered }));
    conn.connect({
      host: host.ip,
      port: host.sshPort,
      username: "omm",
      readyTimeout: 10_000,
      tryKeyboard: true,
      authHandler: (methodsLeft, _partial, next) => {
        if (methodsLeft) offered = [...methodsLeft];
        step++;
        if (step === 1) return next({ type: "none", username: "omm" });
        if (step === 2 && auth === "password")
          return next({ type: "password", username: "omm", password: "omm" });
        if (step === 2) {
          return next({
            type: "keyboard-interactive",
            username: "omm",
            prompt: (_n, _i, _l, prompts, finish) => finish(prompts.map(() => "omm")),
          });
        }
        return next(false as never);
      },
    });
  });
}

before(
  async () => {
    if (!asRoot) return;
    lab = await ensureLab({ engines: [] });
    const reset = await labCli(["reset"]);
    assert.equal(reset.code, 0, reset.stderr + reset.stdout);
  },
  { timeout: 900_000 },
);

test("lab.json describes every default host with a pinned fingerprint", {
  skip: !asRoot && "needs root",
  timeout: 120_000,
}, () => {
  for (const [name, count] of [
    ["A", lab.nodes],
    ["B", lab.nodes],
    ["kbv8r3", 2],
    ["kbv8r6", 3],
  ] as const) {
    const hosts = hostsOf(lab, name);
    assert.equal(hosts.length, count, `${name} host count`);
    for (const h of hosts) {
      assert.match(h.ip, new RegExp(`^127\\.${lab.net}\\.\\d+\\.\\d+$`));
      assert.equal(h.sshPort, 22);
      const pub = path.join(lab.root, "hosts", h.ip, "ssh", "ssh_host_ed25519_key.pub");
      const printed = execFileSync("ssh-keygen", ["-lf", pub], { encoding: "utf8" }).split(" ")[1];
      assert.equal(h.hostKey, printed, `${h.ip} fingerprint as ssh-keygen -lf prints it`);
    }
  }
  assert.ok(fs.statSync(lab.clientKeyPath).isFile());
  const kh = fs.readFileSync(lab.knownHostsPath, "utf8");
  assert.match(kh, /^127\.\d+\.1\.1 ssh-ed25519 /m);
});

test("ssh as omm with the client key works and the host key matches lab.json", {
  skip: !asRoot && "needs root",
  timeout: 120_000,
}, async () => {
  const h = hostsOf(lab, "A")[0]!;
  let seen = "";
  const ok = await new Promise<boolean>((resolve) => {
    const conn = new Client();
    conn.on("ready", () => {
      conn.end();
      resolve(true);
    });
    conn.on("error", () => resolve(false));
    conn.connect({
      host: h.ip,
      port: h.sshPort,
      username: "omm",
      privateKey: fs.readFileSync(lab.clientKeyPath),
      readyTimeout: 10_000,
      hostVerifier: (key: Buffer) => {
        seen = fingerprintOfBlob(key);
        return true;
      },
    });
  });
  assert.ok(ok, "login as omm");
  assert.equal(seen, h.hostKey);
  const r = await sshExec(lab, h.ip, "omm", "id -un; pwd");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "omm\n/home/omm\n");
});

test("sshExec refuses a host whose key differs from lab.json", {
  skip: !asRoot && "needs root",
  timeout: 120_000,
}, async () => {
  const h = hostsOf(lab, "A")[0]!;
  const other = hostsOf(lab, "B")[0]!;
  const forged: LabInfo = JSON.parse(JSON.stringify(lab));
  forged.clusters["A"]!.hosts[0]!.hostKey = other.hostKey;
  const r = await sshExec(forged, h.ip, "omm", "true");
  assert.equal(r.code, 255);
  assert.match(r.stderr, /does not match lab\.json/);
});

test("password and keyboard-interactive logins are refused", {
  skip: !asRoot && "needs root",
  timeout: 120_000,
}, async () => {
  const h = hostsOf(lab, "A")[0]!;
  const pw = await tryAuth(h, "password");
  assert.equal(pw.ok, false, "password login must fail");
  assert.deepEqual(pw.offered, ["publickey"], "the server offers only publickey");
  const kbd = await tryAuth(h, "keyboard-interactive");
  assert.equal(kbd.ok, false, "keyboard-interactive login must fail");
});

test("root logs in by key on KingbaseES hosts only; kingbase has sudo -n", {
  skip: !asRoot && "needs root",
  timeout: 120_000,
}, async () => {
  const kb = hostsOf(lab, "kbv8r3")[0]!;
  const og = hostsOf(lab, "A")[0]!;
  const r = await sshExec(lab, kb.ip, "root", "id -u");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "0");
  const refused = await sshExec(lab, og.ip, "root", "id -u");
  assert.equal(refused.code, 255, "root must not log in on an openGauss host");
  const sudo = await sshExec(lab, kb.ip, "kingbase", "sudo -n id -u");
  assert.equal(sudo.code, 0, sudo.stderr);
  assert.equal(sudo.stdout.trim(), "0");
});

test("/etc/cron.d and /home are private to each host", {
  skip: !asRoot && "needs root",
  timeout: 120_000,
}, async () => {
  const [kb1, kb2] = hostsOf(lab, "kbv8r3");
  const name = `lab-core-test-${process.pid}`;
  const w = await sshExec(lab, kb1!.ip, "root", `echo '* * * * * root true' > /etc/cron.d/${name}`);
  assert.equal(w.code, 0, w.stderr);
  try {
    const here = await sshExec(lab, kb1!.ip, "root", `test -f /etc/cron.d/${name}`);
    assert.equal(here.code, 0, "visible on the host that wrote it");
    const there = await sshExec(lab, kb2!.ip, "root", `test -e /etc/cron.d/${name}`);
    assert.equal(there.code, 1, "not visible on the peer host");
    assert.equal(fs.existsSync(`/etc/cron.d/${name}`), false, "not visible on the machine");
    const og = await sshExec(lab, hostsOf(lab, "A")[0]!.ip, "omm", `test -e /etc/cron.d/${name}`);
    assert.equal(og.code, 1, "not visible on another cluster's host");
  } finally {
    await sshExec(lab, kb1!.ip, "root", `rm -f /etc/cron.d/${name}`);
  }
  const [a1, a2] = hostsOf(lab, "A");
  await sshExec(lab, a1!.ip, "omm", `echo one > ~/lab-core-home-${process.pid}`);
  const peer = await sshExec(lab, a2!.ip, "omm", `test -e ~/lab-core-home-${process.pid}`);
  assert.equal(peer.code, 1, "a home file is not visible on the peer");
  await sshExec(lab, a1!.ip, "omm", `rm -f ~/lab-core-home-${process.pid}`);
});

test("HADR_LAB_HOST and HADR_LAB_ROOT are set over ssh and in lab exec", {
  skip: !asRoot && "needs root",
  timeout: 120_000,
}, async () => {
  for (const c of Object.values(lab.clusters)) {
    for (const h of c.hosts) {
      const user = c.engine === "opengauss" ? "omm" : "kingbase";
      const r = await sshExec(lab, h.ip, user, 'echo "$HADR_LAB_HOST $HADR_LAB_ROOT"');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${h.ip} ${lab.root}\n`);
    }
  }
  const h = hostsOf(lab, "B")[1]!;
  const e = await labCli(["exec", h.ip, "--user", "omm", "--", 'echo "$HADR_LAB_HOST $(id -un) $PWD"']);
  assert.equal(e.code, 0, e.stderr);
  assert.equal(e.stdout, `${h.ip} omm /home/omm\n`);
  const code = await labCli(["exec", h.name, "--", "exit 7"]);
  assert.equal(code.code, 7);
});

test("lab exec keeps the script out of every process's argv", {
  skip: !asRoot && "needs root",
  timeout: 120_000,
}, async () => {
  const h = hostsOf(lab, "A")[0]!;
  const marker = `s3cr3t${process.pid}`;
  // The script spells the marker split in two, and looks for it whole in every command line.
  const script = `m=s3cr3t; m="\${m}${process.pid}"; X=${marker}; n=0; for f in /proc/[0-9]*/cmdline; do c=$(tr '\\0' ' ' < "$f" 2>/dev/null); [[ $c == *"$m"* ]] && n=$((n+1)); done; echo $n`;
  const r = await labCli(["exec", h.ip, "--", script]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "1", "only labCli's own argv (the test's spawn) names the marker");
});

test("the cluster trust key lets omm and kingbase hop between hosts with pinned host keys", {
  skip: !asRoot && "needs root",
  timeout: 120_000,
}, async () => {
  const [a1, a2] = hostsOf(lab, "A");
  const r = await sshExec(lab, a1!.ip, "omm", `ssh ${a2!.ip} 'echo "$HADR_LAB_HOST $(id -un)"'`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${a2!.ip} omm\n`);
  const [k1, k2] = hostsOf(lab, "kbv8r6");
  const k = await sshExec(lab, k1!.ip, "kingbase", `ssh ${k2!.ip} hostname >/dev/null && echo ok`);
  assert.equal(k.code, 0, k.stderr);
  assert.equal(k.stdout, "ok\n");
});

test("sshd-stop and sshd-kill make connections fail; reset restores them", {
  skip: !asRoot && "needs root",
  timeout: 120_000,
}, async () => {
  const h = hostsOf(lab, "B")[0]!;
  for (const fault of ["sshd-stop", "sshd-kill"]) {
    const f = await labCli(["fault", fault, h.ip]);
    assert.equal(f.code, 0, f.stderr);
    const down = await sshExec(lab, h.ip, "omm", "true", { timeoutMs: 10_000 });
    assert.equal(down.code, 255, `${fault}: connection must fail`);
    const st = await labCli(["status"]);
    assert.match(st.stdout, new RegExp(`${h.ip.replace(/\./g, "\\.")}:22 sshd down`));
    const reset = await labCli(["reset"]);
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, new RegExp(`${h.ip.replace(/\./g, "\\.")}: sshd restarted`));
    const up = await sshExec(lab, h.ip, "omm", "echo back");
    assert.equal(up.code, 0, up.stderr);
    assert.equal(up.stdout, "back\n");
  }
});

/** The state letter of a process (`T` when stopped), or undefined when it is gone. */
function procState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return undefined;
  }
}

test("host-down powers one host off (unreachable, processes frozen), its peers stay; host-up and reset bring it back", {
  skip: !asRoot && "needs root",
  timeout: 120_000,
}, async () => {
  const [h, peer] = hostsOf(lab, "B");
  assert.ok(h && peer, "cluster B has two hosts");
  try {
    const bg = await sshExec(lab, h.ip, "omm", "setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $!");
    assert.equal(bg.code, 0, bg.stderr);
    const pid = Number(bg.stdout.trim());
    assert.match(procState(pid) ?? "gone", /^[RS]$/, "running before");

    assert.match(await hostPower("down", h.name), new RegExp(`host ${h.name} .*down: unreachable`));
    assert.equal(procState(pid), "T", "the host's processes are frozen, not killed");
    const t0 = Date.now();
    const dead = await sshExec(lab, h.ip, "omm", "true", { timeoutMs: 10_000 });
    assert.equal(dead.code, 255);
    assert.match(dead.stderr, /EHOSTUNREACH|unreachable/i);
    assert.ok(Date.now() - t0 < 5_000, "no route to host at once, not a timeout");
    const alive = await sshExec(lab, peer.ip, "omm", "echo alive");
    assert.equal(alive.stdout, "alive\n", "the other host of the cluster runs on");
    const st = await labCli(["status"]);
    assert.match(st.stdout, new RegExp(`${h.ip.replace(/\./g, "\\.")}:22 .*HOST DOWN since`));
    assert.doesNotMatch(st.stdout, new RegExp(`${peer.ip.replace(/\./g, "\\.")}:22 .*HOST DOWN`));

    assert.match(await hostPower("up", h.ip), new RegExp(`host ${h.name} up: .*sshd started`));
    assert.match(procState(pid) ?? "gone", /^(gone|Z)$/, "power-off: what was frozen is killed");
    const back = await sshExec(lab, h.ip, "omm", "echo back");
    assert.equal(back.stdout, "back\n", back.stderr);
    assert.match(await hostPower("up", h.ip), /was not down/);

    await hostPower("down", h.ip);
    const reset = await labCli(["reset"]);
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, new RegExp(`host B/${h.name} restored`));
    assert.equal((await sshExec(lab, h.ip, "omm", "echo again")).stdout, "again\n");
    const bad = await labCli(["fault", "host-down", "no-such-host"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /host-down <host address or name>/);
  } finally {
    await labCli(["reset"]);
  }
});

test("unknown faults and non-lab addresses are rejected", {
  skip: !asRoot && "needs root",
  timeout: 120_000,
}, async () => {
  const a = await labCli(["fault", "no-such-fault", hostsOf(lab, "A")[0]!.ip]);
  assert.equal(a.code, 1);
  assert.match(a.stderr, /unknown fault/);
  const b = await labCli(["fault", "sshd-stop", "127.250.250.250"]);
  assert.equal(b.code, 1);
});

test("up twice is idempotent: same fingerprints, same sshd processes", {
  skip: !asRoot && "needs root",
  timeout: 120_000,
}, async () => {
  const statusBefore = (await labCli(["status"])).stdout;
  const again = await ensureLab({ engines: [] });
  const fp = (l: LabInfo) =>
    Object.values(l.clusters).flatMap((c) => c.hosts.map((h) => `${h.ip}=${h.hostKey}`));
  assert.deepEqual(fp(again), fp(lab));
  assert.equal((await labCli(["status"])).stdout, statusBefore, "no sshd restarted");
  const r = await sshExec(again, labHost(again, "kb6n2").ip, "kingbase", "true");
  assert.equal(r.code, 0, r.stderr);
});
