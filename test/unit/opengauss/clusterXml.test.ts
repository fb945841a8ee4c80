import assert from "node:assert/strict";
import { test } from "node:test";
import {
  parseClusterXml,
  parseStreamIpmap,
  readClusterXml,
} from "../../../provider/engines/opengauss/clusterXml";
import { ValidationError } from "../../../provider/errors";
import { fixture, makeXml } from "./fixtures";

test("parses the fixture XML of cluster A into a topology", () => {
  const t = parseClusterXml(fixture("cluster-A.xml"), "clusters.A.xml");
  assert.equal(t.name, "clusterA");
  assert.equal(t.dataPortBase, 26000);
  assert.equal(t.haPort, 26001);
  assert.equal(t.masterNode, "oga1");
  assert.deepEqual(t.dataNodes, [
    {
      name: "oga1",
      sshIp: "127.0.1.1",
      backIp: "127.0.1.1",
      dataDir: "/opt/opengauss/data/dn",
      isMaster: true,
      instanceId: 6001,
    },
    {
      name: "oga2",
      sshIp: "127.0.1.2",
      backIp: "127.0.1.2",
      dataDir: "/opt/opengauss/data/dn",
      isMaster: false,
      instanceId: 6002,
    },
  ]);
  assert.deepEqual(t.paths, {
    appPath: "/opt/opengauss/app",
    logPath: "/var/log/omm",
    tmpPath: "/opt/opengauss/tmp",
    toolPath: "/opt/opengauss/om",
  });
  assert.deepEqual(t.cm, {
    cmDir: "/opt/opengauss/data/cm",
    serverPortBase: 15000,
    serverNodes: ["oga1", "oga2"],
  });
  assert.equal(t.drParams, undefined);
});

test("dataNode1 order decides the DN order, and dataPortBase defaults to 40000", () => {
  const xml = makeXml("c", "n", "127.0.5", 3)
    .replace('<PARAM name="dataPortBase" value="26000"/>', "")
    .replace("/data/dn,n2,/data/dn,n3,/data/dn", "/data/dn,n3,/data/dn3,n2,/data/dn2");
  const t = parseClusterXml(xml);
  assert.equal(t.dataPortBase, 40000);
  assert.deepEqual(
    t.dataNodes.map((d) => [d.name, d.dataDir, d.instanceId]),
    [
      ["n1", "/data/dn", 6001],
      ["n3", "/data/dn3", 6002],
      ["n2", "/data/dn2", 6003],
    ],
  );
});

test("a dataNode1 name without a DEVICE fails naming the property path", () => {
  const xml = fixture("cluster-B.xml").replace(
    "/opt/opengauss/data/dn,ogb2,",
    "/opt/opengauss/data/dn,ogb9,",
  );
  const r = readClusterXml(xml, "clusters.B.xml");
  assert.equal(r.topology, undefined);
  assert.deepEqual(r.failures, [
    { property: "clusters.B.xml", reason: 'DEVICE "ogb9" is named in dataNode1 but not in DEVICELIST' },
  ]);
});

test("every inconsistency is reported, not only the first", () => {
  const xml = fixture("cluster-A.xml")
    .replace('value="oga1,oga2" />', 'value="oga1,oga2,oga3" />')
    .replace('name="backIp1" value="127.0.1.2"', 'name="backIp1" value="127.0.1.300"')
    .replace('name="dataPortBase" value="26000"', 'name="dataPortBase" value="70000"');
  const r = readClusterXml(xml, "clusters.A.xml");
  const reasons = r.failures.map((f) => f.reason);
  assert.ok(r.failures.every((f) => f.property === "clusters.A.xml"));
  assert.ok(
    reasons.includes('nodeNames lists "oga3", which has no DEVICE in DEVICELIST'),
    reasons.join("\n"),
  );
  assert.ok(
    reasons.some((x) => x.startsWith('DEVICE "oga2" needs PARAM "backIp1"')),
    reasons.join("\n"),
  );
  assert.ok(
    reasons.includes('DEVICE "oga1" dataPortBase must be a port 1..65530, got "70000"'),
    reasons.join("\n"),
  );
});

test("malformed XML and a missing DEVICELIST are failures, not exceptions", () => {
  const bad = readClusterXml("<ROOT><CLUSTER></ROOT>", "clusters.A.xml");
  assert.equal(bad.failures.length, 1);
  assert.match(bad.failures[0]!.reason, /^is not well-formed XML/);
  const noList = readClusterXml("<ROOT><CLUSTER/></ROOT>", "x");
  assert.deepEqual(noList.failures, [
    { property: "x", reason: "<ROOT> must contain exactly one <DEVICELIST> element" },
  ]);
  assert.throws(
    () => parseClusterXml("", "clusters.A.xml"),
    (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.failures[0]!.property, "clusters.A.xml");
      return true;
    },
  );
});

test("DR params in the XML are parsed, with gs_sdr's error cases", () => {
  const withDr = fixture("cluster-A.xml").replace(
    '<PARAM name="dataNode1_syncNum" value="0" />',
    '<PARAM name="localStreamIpmap1" value="(127.0.1.1,127.0.1.1), (127.0.1.2,127.0.1.2)"/>\n' +
      '<PARAM name="remoteStreamIpmap1" value="(127.0.2.1,127.0.2.1),(127.0.2.2,127.0.2.2)"/>\n' +
      '<PARAM name="remotedataPortBase" value="26000"/>',
  );
  const t = parseClusterXml(withDr);
  assert.deepEqual(t.drParams, {
    localStreamIpmap1: [
      { ip: "127.0.1.1", dataIp: "127.0.1.1" },
      { ip: "127.0.1.2", dataIp: "127.0.1.2" },
    ],
    remoteStreamIpmap1: [
      { ip: "127.0.2.1", dataIp: "127.0.2.1" },
      { ip: "127.0.2.2", dataIp: "127.0.2.2" },
    ],
    remotedataPortBase: 26000,
  });
  const noRemote = readClusterXml(withDr.replace(/<PARAM name="remoteStreamIpmap1"[^>]*>/, ""), "p");
  assert.deepEqual(noRemote.failures, [
    {
      property: "p",
      reason:
        "localStreamIpmap1 is set but remoteStreamIpmap1 is missing (gs_sdr: check streamInfo config is correct)",
    },
  ]);
  const badPair = readClusterXml(withDr.replace("(127.0.1.1,127.0.1.1), ", "(127.0.1.1), "), "p");
  assert.match(badPair.failures[0]!.reason, /^localStreamIpmap1 .*check localStreamIpmap is correct/);
  const wrongName = readClusterXml(withDr.replace("remotedataPortBase", "remotedataPortBase2"), "p");
  assert.ok(
    wrongName.failures.some((f) =>
      f.reason.includes('PARAM "remotedataPortBase2" is not accepted by gs_sdr'),
    ),
  );
});

test("parseStreamIpmap accepts gs_sdr's format and rejects the rest", () => {
  assert.deepEqual(parseStreamIpmap(" (127.0.0.1, 127.0.0.2),(127.0.0.3,127.0.0.4) "), {
    pairs: [
      { ip: "127.0.0.1", dataIp: "127.0.0.2" },
      { ip: "127.0.0.3", dataIp: "127.0.0.4" },
    ],
  });
  assert.ok("error" in parseStreamIpmap("(127.0.0.1,127.0.0.2,127.0.0.3)"));
  assert.ok("error" in parseStreamIpmap("(127.0.0.1,host)"));
  assert.ok("error" in parseStreamIpmap("(127.0.0.1,127.0.0.2)(127.0.0.3,127.0.0.4)"));
  assert.ok("error" in parseStreamIpmap(""));
});
