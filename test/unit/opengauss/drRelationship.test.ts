import assert from "node:assert/strict";
import { test } from "node:test";
import { validateDrRelationship } from "../../../provider/engines/opengauss/schema";
import { fingerprint, fixture, makeXml, PRIVATE_KEY } from "./fixtures";

// biome-ignore lint/suspicious/noExplicitAny: test inputs are mutated into deliberately invalid shapes
function valid(): Record<string, any> {
  return {
    clusters: {
      A: {
        xml: fixture("cluster-A.xml"),
        ssh: { hostKeys: { "127.0.1.1": fingerprint("a"), oga2: fingerprint("b") } },
      },
      B: {
        xml: fixture("cluster-B.xml"),
        ssh: {
          hostKeys: { "127.0.2.1": fingerprint("c"), "127.0.2.2": fingerprint("d") },
        },
        node: "ogb2",
      },
    },
    primary: "A",
    drUser: { name: "dr_user", password: "Secret_2024#x" },
    sshKey: { privateKey: PRIVATE_KEY },
  };
}

function props(raw: unknown): string[] {
  return validateDrRelationship(raw).failures.map((f) => `${f.property}: ${f.reason}`);
}

test("valid inputs parse with defaults and both topologies", () => {
  const v = validateDrRelationship(valid());
  assert.deepEqual(v.failures, []);
  assert.equal(v.args!.clusters["A"]!.ssh.user, "omm");
  assert.equal(v.args!.clusters["A"]!.envFile, "~/.bashrc");
  assert.equal(v.args?.timeoutSeconds, 1200);
  assert.equal(v.args?.allowDataLoss, false);
  assert.deepEqual(Object.keys(v.topologies).sort(), ["A", "B"]);
});

test("schema failures name the property and say what is allowed", () => {
  const raw = valid();
  raw["timeoutSeconds"] = 30;
  raw["allowDataLoss"] = "yes";
  raw["clusters"].A.envFile = "~/.bashrc; rm -rf /";
  raw["clusters"].A.ssh.port = 0;
  raw["drUser"].name = "dr user";
  raw["typo"] = 1;
  raw["clusterSshKeys"] = { B: { privateKey: "" } };
  const f = props(raw);
  assert.ok(f.includes("timeoutSeconds: must be 60..604800 seconds"), f.join("\n"));
  assert.ok(f.includes("allowDataLoss: must be a boolean, not string"), f.join("\n"));
  assert.ok(
    f.some((x) => x.startsWith("clusters.A.envFile: must be an absolute path or ~/")),
    f.join("\n"),
  );
  assert.ok(f.includes("clusters.A.ssh.port: must be 1..65535"), f.join("\n"));
  assert.ok(
    f.some((x) => x.startsWith("drUser.name: must not contain whitespace")),
    f.join("\n"),
  );
  assert.ok(f.includes("typo: is not a known property"), f.join("\n"));
  assert.ok(
    f.includes("clusterSshKeys.B.privateKey: must be the private key text (not a path)"),
    f.join("\n"),
  );
});

test("password rule: safe characters, 8..64, no leading '-', and never echoed", () => {
  for (const [password, expect] of [
    ["short1#", "must be 8 to 64"],
    ["-Abcdefgh1", "must not start with '-'"],
    ["has space;semicolon!", "may only contain letters, digits"],
    ["dot.is.refused1", "may only contain letters, digits"],
    [`${"x".repeat(65)}`, "must be 8 to 64"],
  ] as const) {
    const raw = valid();
    raw["drUser"].password = password;
    const v = validateDrRelationship(raw);
    const pw = v.failures.filter((f) => f.property === "drUser.password");
    assert.ok(
      pw.some((f) => f.reason.includes(expect)),
      `${password}: ${JSON.stringify(v.failures)}`,
    );
    assert.ok(!JSON.stringify(v.failures).includes(password), "the password leaked into a failure");
  }
  for (const ok of ["Abc@#%^_=+,-123", "aaaaaaa1"]) {
    const raw = valid();
    raw["drUser"].password = ok;
    assert.deepEqual(validateDrRelationship(raw).failures, [], ok);
  }
});

test("secrets never appear in failures even when they are echoed in XML", () => {
  const raw = valid();
  raw["drUser"].password = "Leak_me_1234";
  raw["clusters"].A.xml = fixture("cluster-A.xml").replace("oga2,/opt", "Leak_me_1234,/opt");
  const text = JSON.stringify(validateDrRelationship(raw).failures);
  assert.ok(text.includes("[secret]"), text);
  assert.ok(!text.includes("Leak_me_1234"));
});

test("cross-checks: primary, cluster count, shared hosts, host keys, node, slots", () => {
  const unknownPrimary = valid();
  unknownPrimary["primary"] = "C";
  assert.ok(props(unknownPrimary).includes('primary: must be one of the cluster names ("A", "B")'));

  const three = valid();
  three["clusters"].C = three["clusters"].B;
  assert.ok(props(three).some((x) => x.startsWith("clusters: must name exactly two clusters")));

  const badName = valid();
  badName["clusters"]["1st"] = badName["clusters"].B;
  delete badName["clusters"].B;
  assert.ok(
    props(badName).some((x) => x.startsWith('clusters["1st"]: cluster names must start with a letter')),
  );

  const shared = valid();
  shared["clusters"].B.xml = fixture("cluster-B.xml").replaceAll("127.0.2.2", "127.0.1.2");
  shared["clusters"].B.ssh.hostKeys = { "127.0.2.1": fingerprint("c"), "127.0.1.2": fingerprint("d") };
  const sf = props(shared);
  assert.ok(
    sf.includes(
      'clusters.B.xml: host (sshIp1) 127.0.1.2 of "ogb2" is also used by "oga2" of cluster "A"; the two clusters must not share hosts or data IPs',
    ),
    sf.join("\n"),
  );
  assert.ok(
    sf.some((x) => x.startsWith("clusters.B.xml: data IP (backIp1) 127.0.1.2")),
    sf.join("\n"),
  );

  const noKey = valid();
  delete noKey["clusters"].A.ssh.hostKeys.oga2;
  noKey["clusters"].A.ssh.hostKeys["127.0.9.9"] = fingerprint("z");
  const nk = props(noKey);
  assert.ok(
    nk.some((x) => x.startsWith("clusters.A.ssh.hostKeys: no host key pinned for 127.0.1.2 (oga2)")),
    nk.join("\n"),
  );
  assert.ok(
    nk.some((x) => x.startsWith('clusters.A.ssh.hostKeys["127.0.9.9"]: is not a host of cluster "A"')),
    nk.join("\n"),
  );
  const insecure = valid();
  insecure["clusters"].A.ssh = { insecure: true };
  assert.deepEqual(props(insecure), []);

  const badNode = valid();
  badNode["clusters"].B.node = "ogb7";
  assert.ok(props(badNode).includes("clusters.B.node: must name a DEVICE of the cluster's XML (ogb1, ogb2)"));

  const big = valid();
  big["clusters"].A = {
    xml: makeXml("a", "a", "127.0.1", 5),
    ssh: { insecure: true },
  };
  big["clusters"].B = {
    xml: makeXml("b", "b", "127.0.2", 5),
    ssh: { insecure: true },
  };
  const bf = props(big);
  assert.ok(
    bf.includes("clusters.A.xml: each DN needs 4 local + 5 remote = 9 replconninfo slots; openGauss has 8"),
    bf.join("\n"),
  );
  assert.ok(
    bf.includes("clusters.B.xml: each DN needs 4 local + 5 remote = 9 replconninfo slots; openGauss has 8"),
    bf.join("\n"),
  );
  const ok = valid();
  ok["clusters"].A = {
    xml: makeXml("a", "a", "127.0.1", 4),
    ssh: { insecure: true },
  };
  ok["clusters"].B = {
    xml: makeXml("b", "b", "127.0.2", 5),
    ssh: { insecure: true },
  };
  assert.deepEqual(props(ok), []);
});

test("user-supplied drParams are checked against the topology", () => {
  const good = valid();
  good["clusters"].A.drParams = {
    localStreamIpmap1: "(127.0.1.2,127.0.1.2),(127.0.1.1,127.0.1.1)",
    remoteStreamIpmap1: "(127.0.2.1,127.0.2.1),(127.0.2.2,127.0.2.2)",
    remotedataPortBase: "26000",
  };
  assert.deepEqual(props(good), []);
  const bad = valid();
  bad["clusters"].A.drParams = {
    localStreamIpmap1: "(127.0.1.1,127.0.1.1),(127.0.1.2,127.0.1.2)",
    remoteStreamIpmap1: "(127.0.2.1,127.0.2.9),(127.0.2.2,127.0.2.2)",
    remotedataPortBase: 27000,
  };
  const f = props(bad);
  assert.ok(
    f.some((x) =>
      x.startsWith(
        'clusters.A.drParams.remoteStreamIpmap1: contradicts the topology of the peer cluster "B"',
      ),
    ),
    f.join("\n"),
  );
  assert.ok(
    f.includes(
      'clusters.A.drParams.remotedataPortBase: contradicts the peer cluster "B": its dataPortBase is 26000, got 27000',
    ),
    f.join("\n"),
  );
  assert.equal(f.length, 2, f.join("\n"));
});

test("root as the SSH user is refused at check, naming clusters.<name>.ssh.user", () => {
  const v = valid();
  v["clusters"].B.ssh.user = "root";
  const out = props(v);
  assert.ok(
    out.some((f) => f.startsWith("clusters.B.ssh.user: gs_sdr refuses to run as root")),
    out.join("\n"),
  );
});
