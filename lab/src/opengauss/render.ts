/**
 * The output formats of `cm_ctl query` (docs/vendor/opengauss-gs_sdr.md §5.1), `gs_om -t status --all` / `cm_ctl query -v` (§5.2)
 * and `gs_om -t status --detail` (§5.3), rendered from a {@link ClusterView}.
 */
import type { ClusterView, DnView } from "./status";

const DASH = "-----------------------------------------------------------------------";

/** `key` left-justified in 26 characters, then `: value`. */
function kv(key: string, value: string | number): string {
  return `${key.padEnd(26)}: ${value}`;
}

function haText(d: DnView): string {
  return d.ha === "Need repair" ? `${d.ha}(${d.reason})` : d.ha;
}

/** `gs_om -t status`: the cluster block only. */
export function renderStatusShort(v: ClusterView): string {
  return [
    DASH,
    "",
    kv("cluster_state", v.state),
    kv("redistributing", "No"),
    kv("balanced", "Yes"),
    "",
    DASH,
    "",
  ].join("\n");
}

/**
 * State of node `i`'s cm_server: `Down` when its host does not answer, else `Primary` for the first node that
 * answers and `Standby` for the others.
 */
function cmsState(v: ClusterView, i: number): string {
  if (v.dns[i]?.raw.unreachable) return "Down";
  return v.dns.findIndex((d) => !d.raw.unreachable) === i ? "Primary" : "Standby";
}

/** `gs_om -t status --all` = `cm_ctl query -v`. */
export function renderKv(v: ClusterView): string {
  const out = [DASH, "", kv("cluster_state", v.state), kv("redistributing", "No"), kv("balanced", "Yes")];
  out.push(kv("current_az", "AZ_ALL"), "", DASH, "");
  const cmPath = `${v.cfg.cmDataPath}/cm_server`;
  v.dns.forEach((d, i) => {
    const n = d.node;
    out.push(kv("node", n.nodeId), kv("node_name", n.name), "");
    out.push(
      kv("node", n.nodeId),
      kv("instance_id", n.nodeId),
      kv("node_ip", n.ip),
      kv("data_path", cmPath),
      kv("type", "CMServer"),
      kv("instance_state", cmsState(v, i)),
      "",
    );
    out.push(
      kv("node", n.nodeId),
      kv("instance_id", n.instanceId),
      kv("node_ip", n.ip),
      kv("data_path", n.dataDir),
      kv("type", "Datanode"),
      kv("instance_state", d.role),
      kv("static_connections", v.cfg.nodes.length - 1),
      kv("HA_state", d.ha),
      kv("reason", d.reason),
    );
    const s = d.raw.senders[0];
    if (d.role === "Primary" || d.role === "Main Standby") {
      for (const snd of d.raw.senders) {
        const peer = v.dns.find((x) => snd.app.endsWith(`:${x.node.ip}`));
        out.push(
          kv("standby_node", peer ? peer.node.nodeId : (snd.app.split(":").pop() ?? "")),
          kv("standby_data_path", peer ? peer.node.dataDir : ""),
          kv("standby_state", peer ? peer.role : "Standby"),
          kv("sender_sent_location", snd.sent ?? "0/0"),
          kv("sender_write_location", snd.write ?? "0/0"),
          kv("sender_flush_location", snd.flush ?? "0/0"),
          kv("sender_replay_location", snd.replay ?? "0/0"),
          kv("receiver_received_location", snd.write ?? "0/0"),
          kv("receiver_write_location", snd.write ?? "0/0"),
          kv("receiver_flush_location", snd.flush ?? "0/0"),
          kv("receiver_replay_location", snd.replay ?? "0/0"),
        );
      }
    }
    if (d.raw.running && d.raw.inRecovery) {
      out.push(
        kv("receiver_received_location", d.raw.receiveLsn ?? "0/0"),
        kv("receiver_replay_location", d.raw.replayLsn ?? "0/0"),
      );
    }
    const sync = s ? s.sync_state : "async";
    out.push(kv("sync_state", d.raw.running ? sync.charAt(0).toUpperCase() + sync.slice(1) : "Unknown"), "");
    out.push(DASH, "");
  });
  return out.join("\n");
}

/** Flags of the compact query. */
export interface TableFlags {
  cms: boolean;
  ip: boolean;
  dataPath: boolean;
  port: boolean;
  az: boolean;
  /** One member per line (`gs_om --detail`, `cm_ctl query -w`). */
  wrap: boolean;
}

function member(v: ClusterView, d: DnView, f: TableFlags): string {
  const wName = Math.max(...v.cfg.nodes.map((n) => n.name.length));
  const wPath = Math.max(...v.cfg.nodes.map((n) => n.dataDir.length));
  const n = d.node;
  let s = `${String(n.nodeId).padEnd(2)} ${n.name.padEnd(wName)} `;
  if (f.ip) s += `${n.ip.padEnd(15)} `;
  if (f.port) s += `${String(n.port).padEnd(6)} `;
  s += `${n.instanceId} `;
  if (f.dataPath) s += `${n.dataDir.padEnd(wPath)} `;
  s += `${n.staticRole} ${d.role.padEnd(7)} ${haText(d)}`;
  return s;
}

/** `cm_ctl query -C[v][i][d][p][z]` and the reflowed `gs_om -t status --detail`. */
export function renderTable(v: ClusterView, f: TableFlags): string {
  const out: string[] = [];
  if (f.cms) {
    out.push(
      "[  CMServer State   ]",
      "",
      "node        node_ip         instance                                 state",
    );
    out.push("-----------------------------------------------------------------------------");
    v.dns.forEach((d, i) => {
      const n = d.node;
      out.push(
        `${String(n.nodeId).padEnd(2)} ${n.name} ${n.ip.padEnd(15)} ${n.nodeId}    ${v.cfg.cmDataPath}/cm_server ${cmsState(v, i)}`,
      );
    });
    out.push("");
  }
  out.push(
    "[   Cluster State   ]",
    "",
    `cluster_state   : ${v.state}`,
    "redistributing  : No",
    "balanced        : Yes",
  );
  if (f.az) out.push("current_az      : AZ_ALL");
  out.push("", "[  Datanode State   ]", "");
  const head = `node        ${f.ip ? "node_ip         " : ""}${f.port ? "port      " : ""}instance${f.dataPath ? "                          " : ""}state`;
  const members = v.dns.map((d) => member(v, d, f));
  if (f.wrap) {
    out.push(`    ${head}`, "-".repeat(91));
    out.push(...members);
  } else {
    out.push(
      Array(v.dns.length).fill(head).join("            | "),
      "-".repeat(98 * Math.max(1, v.dns.length)),
    );
    out.push(members.join(" | "));
  }
  out.push("");
  return out.join("\n");
}

/** `cm_ctl query` without `-C`/`-v`: the cluster block. */
export function renderClusterBlock(v: ClusterView, az: boolean): string {
  const out = [
    "[   Cluster State   ]",
    "",
    `cluster_state   : ${v.state}`,
    "redistributing  : No",
    "balanced        : Yes",
  ];
  if (az) out.push("current_az      : AZ_ALL");
  out.push("");
  return out.join("\n");
}
