/**
 * Pure parts of the lab core (no root, no processes): topology and addresses, option parsing,
 * known_hosts names, fingerprints.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import {
  isLoopback,
  labNetFromEnv,
  labRootFromEnv,
  OG_PAIRS,
  parseEngines,
  peerOf,
  streamIpFor,
  topology,
} from "../src/core/addresses";
import { ensureKeyPair, fingerprintOfFile, knownHostsName } from "../src/core/keys";
import { sshdConfig } from "../src/core/sshd";

test("default topology: clusters, names and 127.<net>.x.y addresses", { timeout: 30_000 }, () => {
  const c = topology({ root: "/r", net: 20, nodes: 3, sshPort: 22 });
  assert.deepEqual(
    c.map((x) => [x.name, x.engine, x.hosts.map((h) => `${h.name}@${h.ip}`)]),
    [
      ["A", "opengauss", ["oga1@127.20.1.1", "oga2@127.20.1.2", "oga3@127.20.1.3"]],
      ["B", "opengauss", ["ogb1@127.20.2.1", "ogb2@127.20.2.2", "ogb3@127.20.2.3"]],
      ["kbv8r3", "kingbase-v8r3", ["kb3n1@127.20.3.1", "kb3n2@127.20.3.2"]],
      ["kbv8r6", "kingbase-v8r6", ["kb6n1@127.20.4.1", "kb6n2@127.20.4.2", "kb6n3@127.20.4.3"]],
    ],
  );
  assert.equal(c[0]!.hosts[0]!.fsRoot, "/r/hosts/127.20.1.1/fs");
  // openGauss hosts get a stream (replication-network) address 127.<net>.<x+10>.y; KingbaseES hosts none
  assert.deepEqual(
    c.map((x) => x.hosts.map((h) => h.streamIp ?? "-")),
    [
      ["127.20.11.1", "127.20.11.2", "127.20.11.3"],
      ["127.20.12.1", "127.20.12.2", "127.20.12.3"],
      ["-", "-"],
      ["-", "-", "-"],
    ],
  );
  assert.equal(streamIpFor("127.20.3.1"), undefined);
  for (const h of c.flatMap((x) => x.hosts)) assert.ok(isLoopback(h.ip));
  assert.throws(() => topology({ root: "/r", net: 0, nodes: 9, sshPort: 22 }), /1\.\.8/);
  assert.throws(() => topology({ root: "/r", net: 0, nodes: 0, sshPort: 22 }), /1\.\.8/);
});

test("--pairs 2 adds clusters C and D on their own octets; every address is unique", {
  timeout: 30_000,
}, () => {
  const one = topology({ root: "/r", net: 7, nodes: 2, sshPort: 22 });
  assert.deepEqual(
    topology({ root: "/r", net: 7, nodes: 2, pairs: 1, sshPort: 22 }),
    one,
    "pairs 1 is the default topology",
  );
  const c = topology({ root: "/r", net: 7, nodes: 2, pairs: 2, sshPort: 22 });
  assert.deepEqual(
    c.map((x) => [x.name, x.engine, x.hosts.map((h) => `${h.name}@${h.ip}/${h.streamIp ?? "-"}`)]),
    [
      ["A", "opengauss", ["oga1@127.7.1.1/127.7.11.1", "oga2@127.7.1.2/127.7.11.2"]],
      ["B", "opengauss", ["ogb1@127.7.2.1/127.7.12.1", "ogb2@127.7.2.2/127.7.12.2"]],
      ["C", "opengauss", ["ogc1@127.7.5.1/127.7.15.1", "ogc2@127.7.5.2/127.7.15.2"]],
      ["D", "opengauss", ["ogd1@127.7.6.1/127.7.16.1", "ogd2@127.7.6.2/127.7.16.2"]],
      ["kbv8r3", "kingbase-v8r3", ["kb3n1@127.7.3.1/-", "kb3n2@127.7.3.2/-"]],
      ["kbv8r6", "kingbase-v8r6", ["kb6n1@127.7.4.1/-", "kb6n2@127.7.4.2/-", "kb6n3@127.7.4.3/-"]],
    ],
  );
  const max = topology({ root: "/r", net: 7, nodes: 8, pairs: 2, sshPort: 22 }).flatMap((x) => x.hosts);
  const addrs = max.flatMap((h) => [h.ip, ...(h.streamIp ? [h.streamIp] : [])]);
  assert.equal(new Set(addrs).size, addrs.length, "no address is used twice");
  // 99 is the self-tests' address no host has; KingbaseES VIPs stay in their cluster's /24 (3, 4)
  assert.ok(addrs.every((a) => !/^127\.7\.99\./.test(a)));
  assert.equal(streamIpFor("127.7.5.3"), "127.7.15.3");
  assert.equal(streamIpFor("127.7.6.1"), "127.7.16.1");
  assert.equal(streamIpFor("127.7.4.1"), undefined);
  assert.equal(streamIpFor("127.7.15.1"), undefined, "a stream address has no stream address");
  assert.deepEqual(OG_PAIRS, [
    ["A", "B"],
    ["C", "D"],
  ]);
  assert.deepEqual(["A", "B", "C", "D", "kbv8r3"].map(peerOf), ["B", "A", "D", "C", undefined]);
  for (const pairs of [0, 3, 1.5]) {
    assert.throws(() => topology({ root: "/r", net: 7, nodes: 2, pairs, sshPort: 22 }), /--pairs must be/);
  }
});

test("environment and option parsing", { timeout: 30_000 }, () => {
  assert.equal(labNetFromEnv({}), 0);
  assert.equal(labNetFromEnv({ HADR_LAB_NET: "30" }), 30);
  assert.throws(() => labNetFromEnv({ HADR_LAB_NET: "251" }));
  assert.throws(() => labNetFromEnv({ HADR_LAB_NET: "x" }));
  assert.equal(labRootFromEnv({}), "/var/tmp/pulumi-hadr-lab");
  assert.equal(labRootFromEnv({ HADR_LAB_ROOT: "/tmp/x/" }), "/tmp/x");
  assert.throws(() => labRootFromEnv({ HADR_LAB_ROOT: "rel" }));
  assert.deepEqual(parseEngines(undefined), ["opengauss", "kingbase-v8r3", "kingbase-v8r6"]);
  assert.deepEqual(parseEngines("none"), []);
  assert.deepEqual(parseEngines("kingbase-v8r6,opengauss"), ["kingbase-v8r6", "opengauss"]);
  assert.throws(() => parseEngines("mysql"), /unknown engine/);
  assert.equal(isLoopback(["10", "0", "0", "1"].join(".")), false);
  assert.equal(isLoopback("127.0.300.1"), false);
});

test("known_hosts names and fingerprints as OpenSSH prints them", { timeout: 30_000 }, async () => {
  assert.equal(knownHostsName("127.0.1.1", 22), "127.0.1.1");
  assert.equal(knownHostsName("127.0.1.1", 2222), "[127.0.1.1]:2222");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-keys-"));
  try {
    const key = path.join(dir, "k");
    await ensureKeyPair(key, "t");
    const printed = execFileSync("ssh-keygen", ["-lf", `${key}.pub`], { encoding: "utf8" }).split(" ")[1];
    assert.equal(fingerprintOfFile(`${key}.pub`), printed);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("sshd config: key-only, pinned paths, SetEnv, root login only where asked", { timeout: 30_000 }, () => {
  const [a, , kb3] = topology({ root: "/r", net: 0, nodes: 2, sshPort: 22 });
  const og = sshdConfig({
    root: "/r",
    host: a!.hosts[0]!,
    allowUsers: ["omm", "kingbase"],
    rootLogin: false,
  });
  for (const line of [
    "ListenAddress 127.0.1.1:22",
    "HostKey /r/hosts/127.0.1.1/ssh/ssh_host_ed25519_key",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    "AuthorizedKeysFile /r/hosts/127.0.1.1/authorized_keys/%u",
    "PermitRootLogin no",
    "UsePAM no",
    "SetEnv HADR_LAB_HOST=127.0.1.1 HADR_LAB_ROOT=/r",
    "Subsystem sftp internal-sftp",
  ]) {
    assert.ok(og.split("\n").includes(line), `missing: ${line}`);
  }
  const kb = sshdConfig({
    root: "/r",
    host: kb3!.hosts[1]!,
    allowUsers: ["omm", "kingbase", "root"],
    rootLogin: true,
  });
  assert.ok(kb.includes("\nPermitRootLogin prohibit-password\n"));
  assert.ok(kb.includes("\nListenAddress 127.0.3.2:22\n"));
});
