/**
 * Emulated `gsql` over psql: `-d db -p port [-h host] [-U user -W pwd] -c "sql" [-t -A -X -q -x] [-m]`,
 * or `-f file`. Port mapping: the openGauss HA port (DN port + 1) and the DN port both reach the DN's one
 * PostgreSQL port. Without `-h` the OS user connects over the unix socket in `$PGHOST`; another user (`-U`)
 * connects over TCP to the node's address so that its password is really checked (the password goes to psql
 * in `PGPASSWORD`, never in argv). The SQL text is rewritten to the emulation objects (sql.ts); `show` of an
 * openGauss-only GUC answers from the openGauss view of postgresql.conf.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalDn } from "../dn";
import { execFile } from "../exec";
import { PG_BIN } from "../layout";
import { getGuc, unquote } from "../ogconf";
import { rewriteSql } from "../sql";
import { err, runTool } from "../toolmain";

async function main(argv: string[]): Promise<number> {
  const o: Record<string, string> = {};
  const flags = new Set<string>();
  const cmds: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (["-d", "-p", "-U", "-W", "-h", "-f", "-v", "-P"].includes(a)) o[a] = argv[++i] ?? "";
    else if (a === "-c") cmds.push(argv[++i] ?? "");
    else if (/^-[dpUWhf]./.test(a)) o[a.slice(0, 2)] = a.slice(2);
    else if (a.startsWith("--dbname=")) o["-d"] = a.slice(9);
    else if (a.startsWith("--port=")) o["-p"] = a.slice(7);
    else if (/^-[tAXqxm]+$/.test(a)) for (const c of a.slice(1)) flags.add(c);
    else if (!a.startsWith("-") && o["-d"] === undefined) o["-d"] = a;
  }
  const dn = LocalDn.here();
  const localPort = dn.port();
  let port = o["-p"] ? Number(o["-p"]) : localPort;
  const knownPorts = new Set([localPort, ...dn.cfg.nodes.map((n) => n.port)]);
  if (!knownPorts.has(port) && knownPorts.has(port - 1)) port -= 1;
  const user = o["-U"] ?? dn.cfg.user;
  let host = o["-h"] ?? process.env["PGHOST"] ?? dn.cfg.pgHost;
  if (o["-h"] === undefined && user !== dn.cfg.user) host = dn.node.ip;
  const db = o["-d"] ?? "postgres";

  const viewHere = (o["-h"] === undefined || o["-h"] === dn.node.ip) && port === localPort;
  const ogGucs = (name: string): string | undefined => {
    if (!viewHere) return undefined;
    const raw = getGuc(dn.viewConf(), name);
    return raw === undefined ? undefined : unquote(raw);
  };
  const env: NodeJS.ProcessEnv = { ...process.env, PGCONNECT_TIMEOUT: "10", PGAPPNAME: "gsql" };
  if (o["-W"] !== undefined) env["PGPASSWORD"] = o["-W"];
  const args = ["-h", host, "-p", String(port), "-U", user, "-d", db];
  for (const f of ["t", "A", "X", "q", "x"]) if (flags.has(f)) args.push(`-${f}`);
  if (o["-v"]) args.push("-v", o["-v"]);
  if (o["-P"]) args.push("-P", o["-P"]);
  for (const c of cmds) args.push("-c", rewriteSql(c, ogGucs));
  if (o["-f"]) {
    const tmp = path.join(dn.cfg.labDir, `gsql_${process.pid}.sql`);
    fs.writeFileSync(tmp, rewriteSql(fs.readFileSync(o["-f"], "utf8"), ogGucs), { mode: 0o600 });
    args.push("-f", tmp);
    const r = await execFile(path.join(PG_BIN, "psql"), args, { env });
    fs.rmSync(tmp, { force: true });
    process.stdout.write(r.stdout);
    if (r.stderr) process.stderr.write(r.stderr.replace(/^psql:/gm, "gsql:"));
    return r.code === 0 ? 0 : 1;
  }
  if (cmds.length === 0) {
    err("gsql: interactive mode is not supported by the lab; use -c or -f");
    return 1;
  }
  const r = await execFile(path.join(PG_BIN, "psql"), args, { env });
  process.stdout.write(r.stdout);
  if (r.stderr) process.stderr.write(r.stderr.replace(/^psql:/gm, "gsql:"));
  return r.code === 0 ? 0 : 1;
}

runTool("gsql", main);
