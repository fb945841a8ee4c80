/**
 * Jump hosts (`ssh.proxy`, `proxySshKey`) and ssh-agent logins (`ssh.agent`) in both resources' inputs: the
 * narrow property path of every failure, which key the jump host gets, agent-only logins needing no key, and
 * the transport fields built from a resolved login. No failure quotes key material.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { transportAuth } from "../../provider/config/route";
import { validateRecoveryPolicy } from "../../provider/engines/kingbase/schema";
import { validateDrRelationship } from "../../provider/engines/opengauss/schema";
import { fleetOf } from "../../provider/transport/fleet";
import { keyPieces, testPrivateKey } from "../support/keys";
import { unusableKey } from "../support/pem";
import { fixture } from "./opengauss/fixtures";

const KEY = testPrivateKey();
const PROXY_KEY = testPrivateKey("proxy");
const FP = `SHA256:${"a".repeat(43)}`;
const PROXY = { host: "bastion.example", user: "jump", hostKey: FP };

let dir: string;
let socket: string;
let server: net.Server;
let savedSock: string | undefined;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hadr-route-"));
  socket = path.join(dir, "agent.sock");
  server = net.createServer();
  await new Promise<void>((r) => server.listen(socket, r));
  savedSock = process.env.SSH_AUTH_SOCK;
});

after(async () => {
  if (savedSock === undefined) delete process.env.SSH_AUTH_SOCK;
  else process.env.SSH_AUTH_SOCK = savedSock;
  await new Promise<void>((r) => server.close(() => r()));
  fs.rmSync(dir, { recursive: true, force: true });
});

function dr(
  ssh: { A?: Record<string, unknown>; B?: Record<string, unknown> },
  extra: Record<string, unknown> = {},
) {
  return {
    clusters: {
      A: { xml: fixture("cluster-A.xml"), ssh: { insecure: true, ...ssh.A } },
      B: { xml: fixture("cluster-B.xml"), ssh: { insecure: true, ...ssh.B } },
    },
    primary: "A",
    drUser: { name: "druser", password: "Secret_pw_1" },
    ...extra,
  };
}

function failuresOf(v: { failures: Array<{ property: string; reason: string }> }): string[] {
  return v.failures.map((f) => `${f.property}: ${f.reason}`);
}

test("DrRelationship: a jump host's key is proxySshKey, else the cluster's own; both hops pinned", () => {
  const v = validateDrRelationship(
    dr({ B: { proxy: PROXY } }, { sshKey: { privateKey: KEY }, proxySshKey: { privateKey: PROXY_KEY } }),
  );
  assert.deepEqual(v.failures, []);
  const b = v.args!.clusters["B"]!.ssh;
  assert.deepEqual(b.via, { ...PROXY, port: 22, privateKey: PROXY_KEY });
  assert.equal(v.args!.clusters["A"]!.ssh.via, undefined);
  const auth = transportAuth(b);
  assert.deepEqual(auth.proxy, {
    host: "bastion.example",
    port: 22,
    username: "jump",
    hostKey: FP,
    privateKey: PROXY_KEY,
    connectTimeoutMs: 15_000,
  });
  assert.equal(auth.privateKey, KEY);

  const fallback = validateDrRelationship(
    dr({ B: { proxy: { ...PROXY, port: 2222 } } }, { sshKey: { privateKey: KEY } }),
  );
  assert.deepEqual(fallback.failures, []);
  assert.equal(fallback.args!.clusters["B"]!.ssh.via!.privateKey, KEY, "no proxySshKey: the cluster's key");
  assert.equal(fallback.args!.clusters["B"]!.ssh.via!.port, 2222);
});

test("DrRelationship: a bad jump host is reported on its narrowest path; proxySshKey without a jump host", () => {
  const rows: Array<[string, unknown, string[]]> = [
    [
      "host key missing",
      dr({ B: { proxy: { host: "j", user: "jump" } } }, { sshKey: { privateKey: KEY } }),
      ["clusters.B.ssh.proxy.hostKey: is required (string)"],
    ],
    [
      "host key not a fingerprint, port out of range, unknown field",
      dr(
        { B: { proxy: { ...PROXY, hostKey: "ssh-ed25519 AAAA", port: 0, insecure: true } } },
        { sshKey: { privateKey: KEY } },
      ),
      [
        "clusters.B.ssh.proxy.port: must be 1..65535",
        "clusters.B.ssh.proxy.hostKey: must be the jump host's `SHA256:…` fingerprint (ssh-keygen -lf)",
        "clusters.B.ssh.proxy.insecure: is not a known property",
      ],
    ],
    [
      "user not a login name",
      dr({ A: { proxy: { ...PROXY, user: "Bad User" } } }, { sshKey: { privateKey: KEY } }),
      ["clusters.A.ssh.proxy.user: must be a POSIX user name"],
    ],
    [
      "proxySshKey with no jump host",
      dr({}, { sshKey: { privateKey: KEY }, proxySshKey: { privateKey: PROXY_KEY } }),
      ["proxySshKey: is only used with a jump host (ssh.proxy), and no login has one"],
    ],
    [
      "proxySshKey that is no key",
      dr(
        { B: { proxy: PROXY } },
        {
          sshKey: { privateKey: KEY },
          proxySshKey: {
            privateKey: unusableKey("AAAAnotakey"),
          },
        },
      ),
      [
        "proxySshKey.privateKey: is not a usable private key (expected an OpenSSH or PEM ed25519, ecdsa or rsa key)",
      ],
    ],
  ];
  for (const [name, raw, want] of rows) {
    const got = failuresOf(validateDrRelationship(raw));
    assert.deepEqual(got.sort(), [...want].sort(), name);
    for (const line of got) for (const piece of keyPieces(PROXY_KEY)) assert.ok(!line.includes(piece), name);
  }
});

test("ssh.agent: true takes $SSH_AUTH_SOCK, a path is checked; an agent-only login needs no key", () => {
  process.env.SSH_AUTH_SOCK = socket;
  const v = validateDrRelationship(dr({ A: { agent: true }, B: { agent: socket, proxy: PROXY } }));
  assert.deepEqual(v.failures, []);
  assert.equal(v.args!.clusters["A"]!.ssh.agentSocket, socket);
  assert.equal(v.args!.clusters["A"]!.ssh.privateKey, undefined);
  assert.deepEqual(
    v.args!.clusters["B"]!.ssh.via,
    { ...PROXY, port: 22, agentSocket: socket },
    "the jump host uses the agent too",
  );
  assert.deepEqual(transportAuth(v.args!.clusters["B"]!.ssh).proxy?.agent, socket);

  delete process.env.SSH_AUTH_SOCK;
  const rows: Array<[string, unknown, string[]]> = [
    [
      "no SSH_AUTH_SOCK",
      dr({ A: { agent: true } }, { clusterSshKeys: { B: { privateKey: KEY } } }),
      [
        "clusters.A.ssh.agent: is true but SSH_AUTH_SOCK is not set where Pulumi runs; start an ssh-agent (eval $(ssh-agent); ssh-add) or give the socket path",
      ],
    ],
    [
      "a path that is no socket",
      dr({ A: { agent: path.join(dir, "none") } }, { clusterSshKeys: { B: { privateKey: KEY } } }),
      [`clusters.A.ssh.agent: no ssh-agent socket at ${path.join(dir, "none")}; is the agent running?`],
    ],
    [
      "a relative path",
      dr({ A: { agent: "agent.sock" } }, { sshKey: { privateKey: KEY } }),
      ["clusters.A.ssh.agent: must be true ($SSH_AUTH_SOCK) or the absolute path of an ssh-agent socket"],
    ],
    [
      "agent false is no login method",
      dr({ A: { agent: false } }, { clusterSshKeys: { B: { privateKey: KEY } } }),
      [
        'sshKey: is required: cluster "A" has no SSH key (give sshKey for every cluster, or clusterSshKeys.A, or set clusters.A.ssh.agent)',
      ],
    ],
  ];
  for (const [name, raw, want] of rows) assert.deepEqual(failuresOf(validateDrRelationship(raw)), want, name);
});

function policy(ssh: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    engine: "kingbase-v8r6",
    mode: "standby",
    nodes: [
      { host: "127.0.9.1", ssh: { hostKeys: { "127.0.9.1": FP }, ...ssh } },
      { host: "127.0.9.2", ssh: { hostKeys: { "127.0.9.2": FP } } },
    ],
    ...extra,
  };
}

test("RecoveryPolicy: nodes[i].ssh.proxy and agent, with the same rules and paths", () => {
  const ok = validateRecoveryPolicy(
    policy({ proxy: PROXY }, { sshKey: { privateKey: KEY }, proxySshKey: { privateKey: PROXY_KEY } }),
  );
  assert.ok(ok.ok);
  assert.deepEqual(ok.args.nodes[0]!.ssh.via, { ...PROXY, port: 22, privateKey: PROXY_KEY });
  assert.equal(ok.args.nodes[1]!.ssh.via, undefined);

  process.env.SSH_AUTH_SOCK = socket;
  const agent = validateRecoveryPolicy(
    policy({ agent: true }, { nodeSshKeys: { "127.0.9.2": { privateKey: KEY } } }),
  );
  assert.ok(agent.ok);
  assert.equal(agent.args.nodes[0]!.ssh.agentSocket, socket);
  assert.equal(agent.args.nodes[0]!.ssh.privateKey, undefined);
  delete process.env.SSH_AUTH_SOCK;

  const bad = validateRecoveryPolicy(
    policy({ proxy: { host: "j", user: "jump", hostKey: "nope" } }, { sshKey: { privateKey: KEY } }),
  );
  assert.ok(!bad.ok);
  assert.deepEqual(failuresOf(bad), [
    "nodes[0].ssh.proxy.hostKey: must be the jump host's `SHA256:…` fingerprint (ssh-keygen -lf)",
  ]);
  const unused = validateRecoveryPolicy(
    policy({}, { sshKey: { privateKey: KEY }, proxySshKey: { privateKey: PROXY_KEY } }),
  );
  assert.ok(!unused.ok);
  assert.deepEqual(failuresOf(unused), [
    "proxySshKey: is only used with a jump host (ssh.proxy), and no login has one",
  ]);
});

test("a fleet masks the jump host's key material in everything it reports", () => {
  const f = fleetOf(
    [
      {
        host: "127.0.9.1",
        port: 22,
        username: "omm",
        privateKey: KEY,
        connectTimeoutMs: 1000,
        proxy: {
          ...PROXY,
          port: 22,
          username: "jump",
          privateKey: PROXY_KEY,
          passphrase: "jump-pass-phrase",
          connectTimeoutMs: 1000,
        },
      },
    ],
    [],
  );
  assert.ok(f.redactor.leaks(`x ${PROXY_KEY} y`));
  assert.equal(f.redactor.redact("pass jump-pass-phrase"), "pass [secret]");
});
