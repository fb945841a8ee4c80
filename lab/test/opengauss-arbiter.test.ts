/**
 * CM's arbitration of a DR cluster's Main Standby (arbiter.ts), on CM views built from raw DN states: a lost
 * Main Standby host gets the best Cascade Standby elected, only with a DCC quorum (a majority, or a two-node
 * cluster with `cms_enable_failover_on2nodes` and a third-party gateway); nothing in a primary cluster, for a
 * DN stopped by hand, or while a Main Standby runs; a returned Main Standby is demoted. Pure: no lab needed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { arbitrate, cmServerSettings } from "../src/opengauss/arbiter";
import type { OgNode, StaticConfig } from "../src/opengauss/layout";
import { type DnRaw, deriveView } from "../src/opengauss/status";

function node(i: number): OgNode {
  return {
    nodeId: i,
    name: `ogb${i}`,
    ip: `127.0.2.${i}`,
    instanceId: 6000 + i,
    dataDir: "/home/omm/data/dn1",
    port: 16000,
    sshPort: 22,
    staticRole: i === 1 ? "P" : "S",
  };
}

const cfg = (n: number) =>
  ({ nodes: Array.from({ length: n }, (_, i) => node(i + 1)) }) as unknown as StaticConfig;
const gone: DnRaw = { running: false, senders: [], unreachable: true };
const stopped: DnRaw = { running: false, senders: [], manuallyStopped: true };
const cascade = (lsn: string): DnRaw => ({
  running: true,
  inRecovery: true,
  role: "cascade_standby",
  receiveLsn: lsn,
  senders: [],
});
const main: DnRaw = {
  running: true,
  inRecovery: true,
  role: "main_standby",
  receiveLsn: "0/5000000",
  senders: [],
};
const view = (...raws: DnRaw[]) =>
  deriveView(
    cfg(raws.length),
    raws.map((raw, i) => ({ node: node(i + 1), raw })),
  );
const DR = cmServerSettings("backup_open = 2\n");
const DR_ON2 = cmServerSettings(
  "backup_open = 2\ncms_enable_failover_on2nodes = true\nthird_party_gateway_ip = '127.0.0.1'\n",
);

test("three nodes, the Main Standby's host gone: the Cascade Standby with the most WAL is elected", () => {
  const a = arbitrate(view(gone, cascade("0/3000000"), cascade("0/4000000")), DR);
  assert.equal(a?.kind, "elect");
  assert.equal(a.kind === "elect" && a.candidate.node.nodeId, 3);
  assert.deepEqual(a.kind === "elect" && a.cascades.map((d) => d.node.nodeId), [2]);
});

test("equal WAL: the lower instance wins", () => {
  const a = arbitrate(view(gone, cascade("0/4000000"), cascade("0/4000000")), DR);
  assert.equal(a?.kind === "elect" && a.candidate.node.nodeId, 2);
});

test("two nodes: no quorum by default (the cluster stays Unavailable), elected with on2nodes and a gateway", () => {
  const v = view(gone, cascade("0/4000000"));
  assert.equal(v.state, "Unavailable");
  assert.equal(arbitrate(v, DR), undefined);
  assert.equal(
    arbitrate(v, cmServerSettings("backup_open = 2\ncms_enable_failover_on2nodes = true\n")),
    undefined,
  );
  const a = arbitrate(v, DR_ON2);
  assert.equal(a?.kind === "elect" && a.candidate.node.nodeId, 2);
});

test("no election: a primary cluster, a Main Standby running, a DN stopped by hand, no candidate", () => {
  assert.equal(
    arbitrate(view(gone, cascade("0/1"), cascade("0/1")), cmServerSettings("backup_open = 0\n")),
    undefined,
  );
  assert.equal(arbitrate(view(gone, main, cascade("0/1")), DR), undefined);
  assert.equal(arbitrate(view(stopped, cascade("0/1"), cascade("0/1")), DR), undefined);
  assert.equal(arbitrate(view(gone, gone, stopped), DR), undefined);
});

test("a Main Standby that comes back next to the elected one: both named for the demotion of the older", () => {
  const a = arbitrate(view(main, main, cascade("0/1")), DR);
  assert.equal(a?.kind, "demote-returned");
  assert.deepEqual(a.kind === "demote-returned" && a.mainStandbys.map((d) => d.node.nodeId), [1, 2]);
});
