/**
 * `npm run lab -- <command>`: the lab CLI (see lab/README.md).
 *
 *   up [--nodes N] [--pairs 1|2] [--port-base P] [--engines opengauss,kingbase-v8r3,kingbase-v8r6|all|none]
 *      [--om-version V]
 *   om-version V | down | status | reset | fault <name> [args…] | exec <ip|name> [--user u] -- cmd…
 *   jump on <cluster> | jump off
 *
 * Environment: HADR_LAB_ROOT (default /var/tmp/pulumi-hadr-lab), HADR_LAB_NET (second octet, default 0).
 */
import { parseEngines } from "./core/addresses";
import {
  labDown,
  labEnvFromProcess,
  labExec,
  labFault,
  labJumpOff,
  labJumpOn,
  labReset,
  labSetOmVersion,
  labStatus,
  labUp,
} from "./core/lab";
import { shq } from "./core/shell";
import type { LabInfo } from "./types";

const USAGE = `usage: lab <command>
  up [--nodes N] [--pairs K] [--port-base P] [--engines LIST] [--om-version V]
                                                    create or repair the lab (idempotent); prints lab.json's path
                                                    K: openGauss DR pairs, 1 (A,B) or 2 (also C,D); default:
                                                    unchanged, first up 1; fewer pairs remove the extra clusters
                                                    LIST: comma list of opengauss,kingbase-v8r3,kingbase-v8r6, all, none
                                                    V: emulated openGauss-OM release, for every openGauss cluster (5.0.0…5.1.0,
                                                    6.0.0…6.0.5, 7.0.0-RC1…RC3, master, any X.Y.Z[-RCn]) or
                                                    per cluster (A=5.0.3,B=master); default: unchanged, first up master
  om-version V                                      switch the running openGauss clusters to release V (same syntax)
  down                                              remove every trace of the lab (Debian packages stay)
  status                                            each host's sshd, plus the engines' lines
  reset                                             undo every fault
  fault <name> [args…]                              sshd-stop <ip>, sshd-kill <ip>, site-down|site-up <cluster>,
                                                    host-down|host-up <ip|name>, or an engine fault
  exec <ip|name> [--user U] -- cmd…                 run a command inside a host (default user omm)
  jump on <cluster>                                 a jump host (jump1, 127.n.9.1, login omm) that alone reaches the
                                                    cluster's sshd (a firewall refuses everyone else); prints its JSON
  jump off                                          firewall and jump host gone (reset and down do it too)
env: HADR_LAB_ROOT (default /var/tmp/pulumi-hadr-lab), HADR_LAB_NET (0..250, default 0)`;

/** Splits `--name value` / `--name=value` options from positional words (stops at `--`). */
function parseOptions(words: string[], known: string[]): { opts: Record<string, string>; rest: string[] } {
  const opts: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--") {
      rest.push(...words.slice(i));
      break;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(w);
    if (m) {
      const name = m[1]!;
      if (!known.includes(name)) throw new Error(`unknown option --${name}\n${USAGE}`);
      const value = m[2] ?? words[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      opts[name] = value;
    } else {
      rest.push(w);
    }
  }
  return { opts, rest };
}

function intOption(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new Error(`--${name} must be an integer, got ${v}`);
  return Number(v);
}

function summary(info: LabInfo): string {
  const lines = [`client key: ${info.clientKeyPath}`, `known_hosts: ${info.knownHostsPath}`];
  for (const [name, c] of Object.entries(info.clusters)) {
    const om = c.omVersion ? ` OM ${c.omVersion}` : "";
    lines.push(
      `cluster ${name} (${c.engine}${c.provisioned ? "" : ", not provisioned"}) user ${c.user}${om}`,
    );
    for (const h of c.hosts) {
      const s = h.streamIp ? ` stream ${h.streamIp}` : "";
      lines.push(`  ${h.name.padEnd(6)} ${h.ip}:${h.sshPort}${s} ${h.hostKey}`);
    }
    if (c.xml) lines.push(`  xml:\n${c.xml.replace(/^/gm, "    ")}`);
  }
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [command, ...words] = argv;
  const env = labEnvFromProcess();
  switch (command) {
    case "up": {
      const { opts, rest } = parseOptions(words, ["nodes", "pairs", "port-base", "engines", "om-version"]);
      if (rest.length) throw new Error(`unexpected arguments: ${rest.join(" ")}`);
      const { info, path } = await labUp(env, {
        nodes: intOption(opts["nodes"], "nodes"),
        pairs: intOption(opts["pairs"], "pairs"),
        portBase: intOption(opts["port-base"], "port-base"),
        engines: parseEngines(opts["engines"]),
        ...(opts["om-version"] !== undefined ? { omVersion: opts["om-version"] } : {}),
      });
      process.stdout.write(`${summary(info)}\n${path}\n`);
      return 0;
    }
    case "om-version": {
      if (words.length !== 1) throw new Error("usage: lab om-version <release> | <cluster>=<release>,…");
      process.stdout.write(`${(await labSetOmVersion(env, words[0]!)).join("\n")}\n`);
      return 0;
    }
    case "down": {
      const notes = await labDown(env);
      for (const n of notes) process.stderr.write(`[lab] ${n}\n`);
      return notes.length ? 1 : 0;
    }
    case "status": {
      process.stdout.write(`${(await labStatus(env)).join("\n")}\n`);
      return 0;
    }
    case "reset": {
      const lines = await labReset(env);
      process.stdout.write(lines.length ? `${lines.join("\n")}\n` : "nothing to reset\n");
      return 0;
    }
    case "fault": {
      const [name, ...args] = words;
      if (!name) throw new Error(`usage: lab fault <name> [args…]`);
      process.stdout.write(`${await labFault(env, name, args)}\n`);
      return 0;
    }
    case "jump": {
      const [action, cluster, ...extra] = words;
      if (action === "on" && extra.length === 0) {
        process.stdout.write(`${JSON.stringify(await labJumpOn(env, cluster))}\n`);
        return 0;
      }
      if (action === "off" && cluster === undefined) {
        const lines = await labJumpOff(env);
        process.stdout.write(lines.length ? `${lines.join("\n")}\n` : "no jump host\n");
        return 0;
      }
      throw new Error("usage: lab jump on <cluster> | lab jump off");
    }
    case "exec": {
      const { opts, rest } = parseOptions(words, ["user"]);
      const ip = rest[0];
      const dash = rest.indexOf("--");
      const cmd = dash >= 0 ? rest.slice(dash + 1) : rest.slice(1);
      if (!ip || ip === "--" || cmd.length === 0)
        throw new Error("usage: lab exec <ip|name> [--user U] -- cmd…");
      const script = cmd.length === 1 ? cmd[0]! : cmd.map(shq).join(" ");
      const r = await labExec(env, ip, opts["user"] ?? "omm", script);
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      return r.code;
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new Error(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`lab: error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
