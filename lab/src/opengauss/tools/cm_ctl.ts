/**
 * Emulated `cm_ctl`: `query` (§5.1 / §5.2 formats), `start [-n id] [-t s]`, `stop [-n id] [-m i] [-t s]`,
 * `ddb --put|--get|--delete`, `view`. Start and stop act on every node through the node agent (SSH);
 * `stop -m i` is a fast (clean) shutdown in the lab, so a stopped primary has always shipped its shutdown
 * checkpoint to its standbys.
 */
import * as fs from "node:fs";
import { sleep } from "../exec";
import {
  cmConfPaths,
  localNode,
  type OgNode,
  readIfExists,
  readStaticConfig,
  writeFileAtomic,
} from "../layout";
import { agentOp } from "../remote";
import { renderClusterBlock, renderKv, renderTable } from "../render";
import { clusterView } from "../status";
import { err, out, runTool } from "../toolmain";

function flagsOf(argv: string[]): { set: Set<string>; val: Record<string, string> } {
  const set = new Set<string>();
  const val: Record<string, string> = {};
  const takesValue = new Set(["-n", "-m", "-t", "-z", "-D", "-I", "-R"]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith("--")) {
      set.add(a);
      continue;
    }
    if (a.startsWith("-") && takesValue.has(a)) {
      val[a] = argv[++i] ?? "";
      continue;
    }
    if (a.startsWith("-")) for (const c of a.slice(1)) set.add(`-${c}`);
  }
  return { set, val };
}

async function query(argv: string[]): Promise<number> {
  const { set, val } = flagsOf(argv);
  const cfg = readStaticConfig();
  const v = await clusterView(cfg, localNode(cfg));
  const az = "-z" in val;
  if (set.has("-C")) {
    out(
      renderTable(v, {
        cms: set.has("-v"),
        ip: set.has("-i"),
        dataPath: set.has("-d"),
        port: set.has("-p"),
        az,
        wrap: set.has("-w"),
      }),
    );
  } else if (set.has("-v")) {
    out(renderKv(v));
  } else {
    out(renderClusterBlock(v, az));
  }
  return 0;
}

function targets(nodeArg: string | undefined): { nodes: OgNode[]; error?: string } {
  const cfg = readStaticConfig();
  if (nodeArg === undefined) return { nodes: cfg.nodes };
  const n = cfg.nodes.find((x) => String(x.nodeId) === nodeArg);
  return n ? { nodes: [n] } : { nodes: [], error: `cm_ctl: node(${nodeArg}) does not exist.` };
}

async function stop(argv: string[]): Promise<number> {
  const { val } = flagsOf(argv);
  const cfg = readStaticConfig();
  const t = targets(val["-n"]);
  if (t.error) {
    err(t.error);
    return 1;
  }
  const whole = val["-n"] === undefined;
  out(whole ? "cm_ctl: stop cluster." : `cm_ctl: stop node, nodeid: ${val["-n"]}.`);
  const timeoutS = Number(val["-t"] ?? "1800");
  const res = await Promise.all(
    t.nodes.map(async (n) => {
      try {
        const r = (await agentOp(cfg, n, { op: "dn-stop", mode: "fast", manual: true }, timeoutS * 1000)) as {
          ok: boolean;
        };
        return r.ok;
      } catch (e) {
        err(`cm_ctl: stop node ${n.nodeId} failed: ${(e as Error).message}`);
        return false;
      }
    }),
  );
  if (res.every(Boolean)) {
    out(whole ? "cm_ctl: stop cluster successfully." : "cm_ctl: stop node successfully.");
    return 0;
  }
  out(whole ? "cm_ctl: stop cluster failed." : "cm_ctl: stop node failed.");
  return 1;
}

async function start(argv: string[]): Promise<number> {
  const { val } = flagsOf(argv);
  const cfg = readStaticConfig();
  const t = targets(val["-n"]);
  if (t.error) {
    err(t.error);
    return 1;
  }
  const whole = val["-n"] === undefined;
  const timeoutS = Number(val["-t"] ?? "600");
  const deadline = Date.now() + timeoutS * 1000;
  out("cm_ctl: checking cluster status.", "cm_ctl: checking finished in 100 ms.");
  out(whole ? "cm_ctl: start cluster." : `cm_ctl: start node, nodeid: ${val["-n"]}.`);
  // CM order: the DNs that will lead (primary / main standby) first, then the others
  const infos = await Promise.all(
    t.nodes.map(async (n) => {
      try {
        return { n, info: (await agentOp(cfg, n, { op: "dn-info" }, 30_000)) as { role?: string } };
      } catch {
        return { n, info: {} as { role?: string } };
      }
    }),
  );
  const leads = infos
    .filter((x) => x.info.role === "primary" || x.info.role === "main_standby")
    .map((x) => x.n);
  const rest = t.nodes.filter((n) => !leads.includes(n));
  let ok = true;
  for (const group of [leads, rest]) {
    const rs = await Promise.all(
      group.map(async (n) => {
        out(`cm_ctl: start nodeid: ${n.nodeId}`);
        try {
          const r = (await agentOp(
            cfg,
            n,
            {
              op: "dn-start",
              timeoutS: Math.max(10, Math.min(600, Math.floor((deadline - Date.now()) / 1000))),
            },
            timeoutS * 1000,
          )) as { ok: boolean; lines?: string[] };
          if (!r.ok) err(...(r.lines ?? []));
          return r.ok;
        } catch (e) {
          err(`cm_ctl: start node ${n.nodeId} failed: ${(e as Error).message}`);
          return false;
        }
      }),
    );
    ok = ok && rs.every(Boolean);
  }
  if (ok && whole) {
    // wait until CM would call the cluster up (Normal or Degraded)
    while (Date.now() < deadline) {
      const v = await clusterView(cfg, localNode(cfg));
      if (v.state === "Normal") break;
      if (v.state === "Degraded" && v.dns.every((d) => d.role !== "Down")) {
        await sleep(1000);
        const again = await clusterView(cfg, localNode(cfg));
        if (again.state !== "Unavailable") break;
      }
      await sleep(500);
    }
  }
  if (ok) {
    out(".", whole ? "cm_ctl: start cluster successfully." : "cm_ctl: start node successfully.");
    return 0;
  }
  out(whole ? `cm_ctl: start cluster failed in (${timeoutS})s!` : "cm_ctl: start node failed.");
  return 1;
}

function ddb(argv: string[]): number {
  const cfg = readStaticConfig();
  const file = cmConfPaths(cfg.cmDataPath).dcc;
  let data: Record<string, string> = {};
  try {
    data = JSON.parse(readIfExists(file) ?? "{}") as Record<string, string>;
  } catch {
    data = {};
  }
  const op = argv[0];
  if (op === "--put" && argv.length >= 3) {
    data[argv[1]!] = argv[2]!;
    writeFileAtomic(file, JSON.stringify(data, null, 1), 0o600);
    out("executing cm_ctl ddb command: --put", "PUT success");
    return 0;
  }
  if (op === "--get" && argv.length >= 2) {
    const v = data[argv[1]!];
    if (v === undefined) {
      out("executing cm_ctl ddb command: --get", "Key not found");
      return 1;
    }
    out(argv[1]!, v);
    return 0;
  }
  if (op === "--delete" && argv.length >= 2) {
    delete data[argv[1]!];
    writeFileAtomic(file, JSON.stringify(data, null, 1), 0o600);
    out("executing cm_ctl ddb command: --delete", "DELETE success");
    return 0;
  }
  err("cm_ctl: ddb command usage: cm_ctl ddb --put '<key>' '<value>' | --get '<key>' | --delete '<key>'");
  return 1;
}

function view(): number {
  const cfg = readStaticConfig();
  const n = localNode(cfg);
  out(
    `node_id                  : ${n.nodeId}`,
    `node_name                : ${n.name}`,
    `node_ip                  : ${n.ip}`,
    `cmDataPath : ${cfg.cmDataPath}`,
    `datanode_data_path       : ${n.dataDir}`,
    `datanode_port            : ${n.port}`,
    `agent_conf               : ${cmConfPaths(cfg.cmDataPath).agent}`,
  );
  return fs.existsSync(cfg.cmDataPath) ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "query":
      return query(rest);
    case "start":
      return start(rest);
    case "stop":
      return stop(rest);
    case "ddb":
      return ddb(rest);
    case "view":
      return view();
    default:
      err(`cm_ctl: unrecognized command "${cmd ?? ""}"`, "Try 'cm_ctl --help' for more information.");
      return 1;
  }
}

runTool("cm_ctl", main);
