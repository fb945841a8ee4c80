/** Test helpers: recorded outputs under test/fixtures/opengauss and small builders of inputs. */

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { DrNodeSnapshot } from "../../../provider/engines/opengauss/plan/model";
import { testPrivateKey } from "../../support/keys";

/** Directory of the recorded outputs (the tests run from dist/test/unit/opengauss). */
const FIXTURES = resolve(__dirname, "../../../../test/fixtures/opengauss");

/** Reads one fixture file. */
export function fixture(name: string): string {
  return readFileSync(resolve(FIXTURES, name), "utf8");
}

/** An install XML of `n` nodes `<prefix>1..n` at `<net>.1..n`, in the layout of the fixtures. */
export function makeXml(clusterName: string, prefix: string, net: string, n: number, port = 26000): string {
  const names = Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
  const ips = names.map((_, i) => `${net}.${i + 1}`);
  const dataNode1 = ["/data/dn", ...names.slice(1).flatMap((nm) => [nm, "/data/dn"])].join(",");
  const devices = names
    .map(
      (nm, i) => `    <DEVICE sn="${nm}">
      <PARAM name="name" value="${nm}"/>
      <PARAM name="backIp1" value="${ips[i]}"/>
      <PARAM name="sshIp1" value="${ips[i]}"/>${
        i === 0
          ? `
      <PARAM name="dataNum" value="1"/>
      <PARAM name="dataPortBase" value="${port}"/>
      <PARAM name="dataNode1" value="${dataNode1}"/>`
          : ""
      }
    </DEVICE>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<ROOT>
  <CLUSTER>
    <PARAM name="clusterName" value="${clusterName}"/>
    <PARAM name="nodeNames" value="${names.join(",")}"/>
    <PARAM name="gaussdbAppPath" value="/opt/og/app"/>
    <PARAM name="backIp1s" value="${ips.join(",")}"/>
  </CLUSTER>
  <DEVICELIST>
${devices}
  </DEVICELIST>
</ROOT>
`;
}

/** A fake but well-formed `SHA256:` host key fingerprint. */
export function fingerprint(seed: string): string {
  return `SHA256:${seed.repeat(43).slice(0, 43)}`;
}

/** A real private key made at run time (the schema parses keys). */
export const PRIVATE_KEY = testPrivateKey();

/** A local replconninfo entry as gs_guc shows it (ports 26001/26005/26004). */
export function localReplConnInfo(from: string, to: string): string {
  return `localhost=${from} localport=26001 localheartbeatport=26005 localservice=26004 remotehost=${to} remoteport=26001 remoteheartbeatport=26005 remoteservice=26004`;
}

/**
 * A DN snapshot of the fixture clusters: one local replconninfo entry to `peer`, slots 2..8 unset, the fixture
 * pg_hba, CM settings 0, and `gucs` (defaults: a cluster never set up for DR).
 */
export function dnSnapshot(
  cluster: string,
  node: string,
  ip: string,
  peer: string,
  role: string,
  gucs: DrNodeSnapshot["gucs"] = {},
): DrNodeSnapshot {
  return {
    cluster,
    node,
    replconninfo: {
      1: localReplConnInfo(ip, peer),
      2: null,
      3: null,
      4: null,
      5: null,
      6: null,
      7: null,
      8: null,
    },
    gucs: {
      synchronous_commit: "remote_receive",
      most_available_sync: "off",
      wal_keep_segments: "128",
      stream_cluster_run_mode: null,
      enable_dcf: "off",
      ...gucs,
    },
    cmServerBackupOpen: "0",
    cmAgentBackupOpen: "0",
    pgHba: fixture(cluster === "A" ? "pg_hba-oga1.txt" : "pg_hba-ogb1.txt"),
    dnRole: role,
  };
}

/** The four DNs of the fixture clusters A (oga1 primary) and B (ogb1 primary), each built by `make`. */
export function fixtureSnapshots(
  make: (cluster: string, node: string, ip: string, peer: string, role: string) => DrNodeSnapshot,
): DrNodeSnapshot[] {
  return [
    make("A", "oga1", "127.0.1.1", "127.0.1.2", "Primary"),
    make("A", "oga2", "127.0.1.2", "127.0.1.1", "Standby"),
    make("B", "ogb1", "127.0.2.1", "127.0.2.2", "Primary"),
    make("B", "ogb2", "127.0.2.2", "127.0.2.1", "Standby"),
  ];
}

/** A DN already set the way gs_sdr wants (sync on), `wal_keep_segments` 256; B's cm_agent says DR cluster. */
export function settledSnapshot(
  cluster: string,
  node: string,
  ip: string,
  peer: string,
  role: string,
): DrNodeSnapshot {
  const s = dnSnapshot(cluster, node, ip, peer, role, {
    synchronous_commit: "on",
    most_available_sync: "on",
    wal_keep_segments: "256",
  });
  return { ...s, cmAgentBackupOpen: cluster === "B" ? "2" : "0" };
}
