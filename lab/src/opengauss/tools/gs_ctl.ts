/**
 * Emulated `gs_ctl` for the local DN: start, stop, restart, build, querybuild, notify, query.
 * `build` takes the password from `-P` or, when absent, from the `PGPASSWORD` environment variable; which
 * one was used is recorded in `<labDir>/dn/build.json` (`passwordSource`), the value never.
 */
import * as path from "node:path";
import { ctlLine, LocalDn } from "../dn";
import { psql } from "../exec";
import type { DnRole } from "../runtime";
import { err, out, runTool } from "../toolmain";

const MODE_ROLE: Record<string, DnRole> = {
  primary: "primary",
  standby: "standby",
  hadr_main_standby: "main_standby",
  cascade_standby: "cascade_standby",
  pending: "pending",
};

/** Parses `-X value` / `-Xvalue` options; flags listed in `flags` take no value. */
function parseOpts(argv: string[], flags: string[]): { cmd?: string; o: Record<string, string> } {
  const o: Record<string, string> = {};
  let cmd: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (/^-[A-Za-z]$/.test(a)) {
      if (flags.includes(a)) o[a] = "true";
      else o[a] = argv[++i] ?? "";
    } else if (/^-[A-Za-z]./.test(a) && !a.startsWith("--")) {
      o[a.slice(0, 2)] = a.slice(2);
    } else if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      if (eq > 0) o[a.slice(0, eq)] = a.slice(eq + 1);
      else o[a] = "true";
    } else if (cmd === undefined) cmd = a;
  }
  return { cmd, o };
}

function checkDir(dn: LocalDn, dir: string | undefined): boolean {
  if (!dir) {
    err("gs_ctl: no database directory specified and environment variable PGDATA unset");
    return false;
  }
  if (path.resolve(dir) !== path.resolve(dn.dataDir)) {
    err(`gs_ctl: directory "${dir}" is not the data directory of this node (${dn.dataDir})`);
    return false;
  }
  return true;
}

async function main(argv: string[]): Promise<number> {
  const { cmd, o } = parseOpts(argv, ["-q", "-w", "-W"]);
  if (!cmd) {
    err("gs_ctl: no operation specified", 'Try "gs_ctl --help" for more information.');
    return 1;
  }
  const dn = LocalDn.here();
  const dir = o["-D"] ?? process.env["PGDATA"];
  if (!checkDir(dn, dir)) return 1;
  const timeoutS = o["-t"] ? Number(o["-t"]) : 120;
  switch (cmd) {
    case "start":
    case "restart": {
      const m = o["-M"];
      if (m !== undefined && !(m in MODE_ROLE)) {
        err(`gs_ctl: invalid server mode "${m}"`);
        return 1;
      }
      if (cmd === "restart") out(...(await dn.stop("fast", false)).lines);
      const r = await dn.start(m ? MODE_ROLE[m] : undefined, Math.min(timeoutS, 600));
      (r.ok ? out : err)(...r.lines);
      return r.ok ? 0 : 1;
    }
    case "stop": {
      const mode = o["-m"]?.startsWith("i") ? "immediate" : o["-m"]?.startsWith("s") ? "smart" : "fast";
      const r = await dn.stop(mode, true, Math.min(timeoutS, 600));
      (r.ok ? out : err)(...r.lines);
      return r.ok ? 0 : 1;
    }
    case "build": {
      const mode = o["-M"] ?? "standby";
      if (!["hadr_main_standby", "cascade_standby", "standby"].includes(mode)) {
        err(`gs_ctl: invalid build mode "${mode}"`);
        return 1;
      }
      const fromArgv = o["-P"];
      const fromEnv = process.env["PGPASSWORD"];
      const r = await dn.build({
        mode,
        buildType: o["-b"] ?? "full",
        user: o["-U"],
        password: fromArgv ?? fromEnv,
        passwordSource: fromArgv !== undefined ? "argv" : fromEnv !== undefined ? "env" : "none",
        conninfo: o["-C"],
        timeoutS: Math.min(timeoutS, 3600),
      });
      (r.ok ? out : err)(...r.lines);
      return r.ok ? 0 : 1;
    }
    case "querybuild": {
      out(
        ctlLine(`gs_ctl querybuild ,datadir is ${dn.dataDir}`),
        ` db_state                       : ${dn.buildState()}`,
      );
      return 0;
    }
    case "notify": {
      if (o["-M"] !== "primary") {
        err(`gs_ctl: invalid notify mode "${o["-M"] ?? ""}"`);
        return 1;
      }
      if (!dn.pid()) {
        err(ctlLine("no server running"));
        return 1;
      }
      const r = await dn.promote();
      (r.ok ? out : err)(...r.lines);
      return r.ok ? 0 : 1;
    }
    case "query": {
      if (!dn.pid()) {
        err(ctlLine("no server running"));
        return 1;
      }
      const r = await psql(
        dn.local(),
        "select pg_is_in_recovery()::text || '|' || coalesce((select status from pg_stat_wal_receiver limit 1), '') || '|' || coalesce(current_setting('og_lab.role', true), '')",
      );
      const [rec, rcv, role] = r.stdout.trim().split("|");
      const local =
        rec === "false"
          ? "Primary"
          : role === "main_standby"
            ? "Main Standby"
            : role === "cascade_standby"
              ? "Cascade Standby"
              : "Standby";
      const normal = rec === "false" || rcv === "streaming";
      out(
        " HA state:           ",
        `        local_role                     : ${local}`,
        "        static_connections             : " + String(dn.cfg.nodes.length - 1),
        `        db_state                       : ${normal ? "Normal" : "Need repair"}`,
        `        detail_information             : ${normal ? "Normal" : "Disconnected"}`,
        "",
      );
      return 0;
    }
    default:
      err(`gs_ctl: unrecognized operation mode "${cmd}"`);
      return 1;
  }
}

runTool("gs_ctl", main);
