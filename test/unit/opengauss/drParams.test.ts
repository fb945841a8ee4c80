import assert from "node:assert/strict";
import { test } from "node:test";
import { parseClusterXml } from "../../../provider/engines/opengauss/clusterXml";
import {
  clusterConfPair,
  clusterConfRecordLine,
  deriveDrParams,
  renderDrXml,
} from "../../../provider/engines/opengauss/drParams";
import { fixture } from "./fixtures";

const xmlA = fixture("cluster-A.xml");
const A = parseClusterXml(xmlA);
const B = parseClusterXml(fixture("cluster-B.xml"));

test("derives the three DR params from both topologies", () => {
  assert.deepEqual(deriveDrParams(A, B), {
    localStreamIpmap1: "(127.0.1.1,127.0.1.1),(127.0.1.2,127.0.1.2)",
    remoteStreamIpmap1: "(127.0.2.1,127.0.2.1),(127.0.2.2,127.0.2.2)",
    remotedataPortBase: 26000,
  });
  assert.equal(deriveDrParams(B, A).localStreamIpmap1, "(127.0.2.1,127.0.2.1),(127.0.2.2,127.0.2.2)");
});

test("cluster_conf_record is Python's json.dumps, remote first", () => {
  assert.equal(
    clusterConfRecordLine(A, B),
    '{"remoteClusterConf": {"port": 26000, "shards": [[{"ip": "127.0.2.1", "dataIp": "127.0.2.1"}, {"ip": "127.0.2.2", "dataIp": "127.0.2.2"}]]}, ' +
      '"localClusterConf": {"port": 26000, "shards": [[{"ip": "127.0.1.1", "dataIp": "127.0.1.1"}, {"ip": "127.0.1.2", "dataIp": "127.0.1.2"}]]}}',
  );
  assert.deepEqual(clusterConfPair(A, B).remoteClusterConf.shards[0]![1], {
    ip: "127.0.2.2",
    dataIp: "127.0.2.2",
  });
});

test("the DR XML adds the params after dataPortBase and keeps every other byte", () => {
  const out = renderDrXml(xmlA, A, B);
  const expectedInsert =
    '\n            <PARAM name="localStreamIpmap1" value="(127.0.1.1,127.0.1.1),(127.0.1.2,127.0.1.2)"/>' +
    '\n            <PARAM name="remoteStreamIpmap1" value="(127.0.2.1,127.0.2.1),(127.0.2.2,127.0.2.2)"/>' +
    '\n            <PARAM name="remotedataPortBase" value="26000"/>';
  const anchor = '<PARAM name="dataPortBase" value="26000" />';
  assert.equal(out, xmlA.replace(anchor, anchor + expectedInsert));
  const reparsed = parseClusterXml(out);
  assert.equal(reparsed.drParams?.remotedataPortBase, 26000);
  // Idempotent: rendering again replaces, never duplicates.
  assert.equal(renderDrXml(out, A, B), out);
});

test("stale DR params in the XML are replaced", () => {
  const stale = renderDrXml(xmlA, A, B).replace(
    'name="remotedataPortBase" value="26000"',
    'name="remotedataPortBase" value="30000"',
  );
  assert.equal(renderDrXml(stale, A, B), renderDrXml(xmlA, A, B));
});
