/**
 * What the provisioner writes for one openGauss cluster: the static config, the initial openGauss view of
 * postgresql.conf / pg_hba.conf (as OM's install leaves them), and the cluster's install XML.
 */
import type { LabClusterSpec, LabContext } from "../types";
import { installHbaLines } from "./hba";
import { homePaths, listenAddresses, type StaticConfig } from "./layout";

/** Static config of a cluster (identical on every node). */
export function staticConfigFor(ctx: LabContext, cluster: LabClusterSpec): StaticConfig {
  const home = ctx.users.omm.home;
  const p = homePaths(home);
  return {
    clusterName: cluster.name,
    user: ctx.users.omm.name,
    home,
    gaussHome: p.gaussHome,
    gpHome: p.gpHome,
    pgHost: p.pgHost,
    gaussLog: p.gaussLog,
    cmDataPath: p.cmDataPath,
    labDir: p.labDir,
    toolsDir: ctx.toolsDir,
    clusterKeyPath: ctx.clusterKeyPath,
    knownHostsPath: ctx.knownHostsPath,
    nodes: cluster.hosts.map((h) => ({
      nodeId: h.index,
      name: h.name,
      ip: h.ip,
      ...(h.streamIp ? { streamIp: h.streamIp } : {}),
      instanceId: 6000 + h.index,
      dataDir: p.dataDir,
      port: ctx.portBase,
      sshPort: h.sshPort,
      staticRole: h.index === 1 ? "P" : "S",
    })),
  };
}

/** The initial openGauss view of postgresql.conf of node `nodeId`. */
export function initialViewConf(cfg: StaticConfig, nodeId: number): string {
  const me = cfg.nodes.find((n) => n.nodeId === nodeId)!;
  const P = me.port;
  const lines = [
    "# openGauss postgresql.conf — pulumi-hadr lab (openGauss tool contract emulated on PostgreSQL 15).",
    "# This is the openGauss view gs_guc edits; PostgreSQL loads a runtime file generated from it.",
    "",
    `port = ${P}\t\t\t\t# (change requires restart)`,
    `listen_addresses = '${listenAddresses(me)}'\t\t# what IP address(es) to listen on`,
    `unix_socket_directory = '${cfg.pgHost}'`,
    "max_connections = 60",
    "wal_level = hot_standby",
    "max_wal_senders = 16",
    "wal_keep_segments = 16\t\t# in logfile segments, 16MB each; 0 disables",
    "hot_standby = on",
    "synchronous_commit = on",
    "most_available_sync = off",
    "enable_dcf = off",
    "#stream_cluster_run_mode = cluster_primary",
    `application_name = 'dn_${me.instanceId}'`,
    "remote_read_mode = non_authentication",
    "password_encryption_type = 2",
    "default_transaction_read_only = off",
  ];
  let k = 1;
  for (const peer of cfg.nodes) {
    if (peer.nodeId === nodeId) continue;
    lines.push(
      `replconninfo${k} = 'localhost=${me.ip} localport=${P + 1} localheartbeatport=${P + 5} localservice=${P + 4} remotehost=${peer.ip} remoteport=${peer.port + 1} remoteheartbeatport=${peer.port + 5} remoteservice=${peer.port + 4}'`,
    );
    k++;
  }
  return `${lines.join("\n")}\n`;
}

/** The initial openGauss view of pg_hba.conf. */
export function initialViewHba(cfg: StaticConfig): string {
  return [
    "# openGauss pg_hba.conf — pulumi-hadr lab view (PostgreSQL loads a runtime file generated from it)",
    "# TYPE  DATABASE        USER            ADDRESS                 METHOD",
    "local   all             all                                     trust",
    ...installHbaLines(
      cfg.user,
      cfg.nodes.map((n) => n.ip),
    ),
    "",
  ].join("\n");
}

function param(name: string, value: string | number): string {
  return `<PARAM name="${name}" value="${value}"/>`;
}

/** The cluster's install XML (openGauss format, single-inst, one DN per node, CM on every node). */
export function installXml(cfg: StaticConfig): string {
  const n = cfg.nodes;
  const first = n[0]!;
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', "<ROOT>", "  <CLUSTER>"];
  for (const [k, v] of [
    ["clusterName", cfg.clusterName],
    ["nodeNames", n.map((x) => x.name).join(",")],
    ["backIp1s", n.map((x) => x.ip).join(",")],
    ["gaussdbAppPath", cfg.gaussHome],
    ["gaussdbLogPath", cfg.gaussLog],
    ["tmpMppdbPath", cfg.pgHost],
    ["gaussdbToolPath", cfg.gpHome],
    ["corePath", `${cfg.home}/corefile`],
    ["clusterType", "single-inst"],
  ] as const) {
    out.push(`    ${param(k, v)}`);
  }
  out.push("  </CLUSTER>", "  <DEVICELIST>");
  n.forEach((x, i) => {
    out.push(`    <DEVICE sn="${x.name}">`);
    const ps: Array<[string, string | number]> = [
      ["name", x.name],
      ["azName", "AZ1"],
      ["azPriority", 1],
      ["backIp1", x.ip],
      ["sshIp1", x.ip],
    ];
    if (i === 0) {
      ps.push(
        ["cmsNum", 1],
        ["cmServerPortBase", 15000],
        ["cmServerListenIp1", n.map((y) => y.ip).join(",")],
        ["cmServerHaIp1", n.map((y) => y.ip).join(",")],
        ["cmServerlevel", 1],
        ["cmServerRelation", n.map((y) => y.name).join(",")],
        ["cmDir", cfg.cmDataPath],
        ["dataNum", 1],
        ["dataPortBase", first.port],
        ["dataNode1", [first.dataDir, ...n.slice(1).flatMap((y) => [y.name, y.dataDir])].join(",")],
        ["dataNode1_syncNum", 0],
      );
    } else {
      ps.push(["cmDir", cfg.cmDataPath]);
    }
    for (const [k, v] of ps) out.push(`      ${param(k, v)}`);
    out.push("    </DEVICE>");
  });
  out.push("  </DEVICELIST>", "</ROOT>", "");
  return out.join("\n");
}
