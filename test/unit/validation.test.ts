/** Input validation that must hold for every resource: keys parsed at check, unknowns, topology against the live cluster. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { privateKeyProblem } from "../../provider/config/ssh";
import { knownFailures } from "../../provider/core/failures";
import { UNKNOWN, unknownPaths } from "../../provider/core/props";
import { parseClusterXml } from "../../provider/engines/opengauss/clusterXml";
import { parseOmStatus } from "../../provider/engines/opengauss/parsers/omStatus";
import { validateDrRelationship } from "../../provider/engines/opengauss/schema";
import { topologyMismatches } from "../../provider/engines/opengauss/topology";
import { keyBodyLines, testPrivateKey } from "../support/keys";
import { unusableKey } from "../support/pem";
import { fingerprint, fixture } from "./opengauss/fixtures";

function substrings(s: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= s.length; i++) out.push(s.slice(i, i + n));
  return out;
}

test("a garbage key inside valid PEM headers is refused at check, and no 4-character piece of it is in the message", () => {
  const real = testPrivateKey();
  const body = keyBodyLines(real);
  const garbage = real.replace(body[1]!, body[1]!.split("").reverse().join(""));
  const reason = privateKeyProblem(garbage, undefined);
  assert.ok(reason, "refused");
  for (const line of keyBodyLines(garbage)) {
    for (const piece of substrings(line, 4))
      assert.ok(!reason.includes(piece), `key piece ${piece} in: ${reason}`);
  }
  assert.equal(privateKeyProblem(real, undefined), null, "a real key passes");
});

test("the key problem is reported at clusterSshKeys.<name>.privateKey / sshKey.privateKey, the key never quoted", () => {
  const bad = unusableKey("Zm9vYmFyYmF6cXV4cXV1eA==");
  const base = {
    clusters: {
      A: { xml: fixture("cluster-A.xml"), ssh: { insecure: true } },
      B: { xml: fixture("cluster-B.xml"), ssh: { insecure: true } },
    },
    primary: "A",
    drUser: { name: "dr_user", password: "Secret_2024#x" },
  };
  for (const [extra, at] of [
    [
      { sshKey: { privateKey: testPrivateKey() }, clusterSshKeys: { A: { privateKey: bad } } },
      "clusterSshKeys.A.privateKey",
    ],
    [{ sshKey: { privateKey: bad } }, "sshKey.privateKey"],
  ] as const) {
    const v = validateDrRelationship({ ...base, ...extra });
    const f = v.failures.find((x) => x.property === at);
    assert.ok(f, JSON.stringify(v.failures));
    assert.ok(!JSON.stringify(v.failures).includes("Zm9v"));
  }
});

test("with unknown inputs, the known values are still validated; failures under an unknown are dropped", () => {
  const raw = {
    clusters: {
      A: {
        xml: fixture("cluster-A.xml"),
        ssh: {
          hostKeys: { "127.0.1.1": fingerprint("a"), "127.0.1.2": fingerprint("b") },
        },
      },
      B: {
        xml: fixture("cluster-B.xml"),
        ssh: {
          hostKeys: { "127.0.2.1": fingerprint("c"), "127.0.2.2": fingerprint("d") },
        },
      },
    },
    primary: "C",
    drUser: { name: "dr_user", password: UNKNOWN },
    timeoutSeconds: -5,
    sshKey: { privateKey: testPrivateKey() },
    clusterSshKeys: { B: { privateKey: UNKNOWN } },
  };
  assert.deepEqual(unknownPaths(raw), ["drUser.password", "clusterSshKeys.B.privateKey"]);
  const props = knownFailures(validateDrRelationship(raw).failures, raw).map((f) => f.property);
  assert.ok(props.includes("primary"), props.join(","));
  assert.ok(props.includes("timeoutSeconds"), props.join(","));
  assert.ok(
    !props.some((p) => p.startsWith("clusterSshKeys.B.privateKey") || p.startsWith("drUser.password")),
    props.join(","),
  );
});

const STATUS = (dns: Array<[string, string, string]>) =>
  [
    "cluster_state             : Normal",
    "",
    ...dns.flatMap(([name, ip, dir], i) => [
      `node                      : ${i + 1}`,
      `node_name                 : ${name}`,
      "",
      `node                      : ${i + 1}`,
      `instance_id               : ${6001 + i}`,
      `node_ip                   : ${ip}`,
      `data_path                 : ${dir}`,
      "type                      : Datanode",
      `instance_state            : ${i === 0 ? "Primary" : "Standby"}`,
      "HA_state                  : Normal",
      "",
    ]),
  ].join("\n");

test("an XML that lists fewer DNs than the cluster runs is a failure on clusters.<name>.xml naming the missing DN", () => {
  const xml = parseClusterXml(fixture("cluster-A.xml"));
  const dns = xml.dataNodes.map((d) => [d.name, d.backIp, d.dataDir] as [string, string, string]);
  assert.deepEqual(
    topologyMismatches("A", xml, parseOmStatus(STATUS(dns))),
    [],
    "the matching cluster passes",
  );
  const extra = parseOmStatus(STATUS([...dns, ["oga9", "127.0.1.9", "/home/omm/data/dn1"]]));
  const [f] = topologyMismatches("A", xml, extra);
  assert.equal(f?.property, "clusters.A.xml");
  assert.match(f!.reason, /runs DN oga9 \(127\.0\.1\.9/);
  const moved = parseOmStatus(STATUS(dns.map(([n, ip], i) => [n, ip, i === 0 ? "/other/dn" : dns[i]![2]])));
  assert.match(topologyMismatches("A", xml, moved)[0]!.reason, /data dir/);
  const fewer = parseOmStatus(STATUS(dns.slice(0, 1)));
  assert.match(
    topologyMismatches("A", xml, fewer)[0]!.reason,
    /the XML lists DN .* which the cluster does not run/,
  );
});
