/**
 * The drill's probe: a heartbeat writer on a DN host that does what a user of the database does — connect
 * with `gsql` as the cluster's OS user over the local socket (as gs_sdr itself connects), INSERT one row,
 * every ~200 ms — and logs each attempt with the host's clocks (see `analysis.ts` for the format). Its table
 * lives in the drill's own schema ({@link DRILL_SCHEMA}), created before and dropped after the drill.
 * Every writer is bounded: it ends at its deadline even when nobody stops it (a killed `pulumi up`).
 */
import { ToolError } from "../../../errors";
import { shellQuote } from "../../../transport/redact";
import type { ClusterDevice } from "../clusterXml";
import type { Observed } from "../outputs";
import { type DrContext, onNode, READ_TIMEOUT_MS } from "../remote";

/** The drill's own schema; nothing else of the database is touched. */
const DRILL_SCHEMA = "hadr_drill";
/** The heartbeat table. */
export const DRILL_TABLE = `${DRILL_SCHEMA}.heartbeat`;
/** Pause between two writes of one writer. */
export const WRITE_INTERVAL_SECONDS = 0.2;
/** Bound of one write (connect + INSERT); a hung connection counts as a failed write. */
export const WRITE_TIMEOUT_SECONDS = 5;
/** Where the writers keep their logs and stop files on the host. */
export const DRILL_DIR = "$HOME/.pulumi-hadr/drill";

/** What a writer needs to know. */
export interface WriterSpec {
  /** Writer name, unique within the drill (`<segment>-<cluster>`): the rows are `writer:seq`. */
  writer: string;
  database: string;
  /** The DN port (gsql `-p`). */
  port: number;
  /** It stops by itself this many seconds after it started. */
  boundSeconds: number;
  /** Log and stop-file stem under {@link DRILL_DIR}. */
  file: string;
}

/** The SQL that creates the heartbeat table (idempotent; run on the primary before the first switchover). */
export const SETUP_SQL = `CREATE SCHEMA IF NOT EXISTS ${DRILL_SCHEMA};
CREATE TABLE IF NOT EXISTS ${DRILL_TABLE} (writer text NOT NULL, seq bigint NOT NULL, host_time double precision, written_at timestamptz DEFAULT clock_timestamp(), PRIMARY KEY (writer, seq));`;
/** The rows found, as `writer:seq`. */
export const ROWS_SQL = `SELECT writer || ':' || seq FROM ${DRILL_TABLE};`;
/** Drops the drill's schema (its table with it). */
export const TEARDOWN_SQL = `DROP SCHEMA IF EXISTS ${DRILL_SCHEMA} CASCADE;`;

/**
 * The writer as a bash script (read from stdin by `bash -s`): names and numbers only, no secret. Realtime
 * from `$EPOCHREALTIME` (bash 5) or `date +%s.%N`, monotonic from `/proc/uptime`; `LC_ALL=C` keeps the dot.
 */
export function writerScript(w: WriterSpec): string {
  const log = `"${DRILL_DIR}/${w.file}.log"`;
  const stop = `"${DRILL_DIR}/${w.file}.stop"`;
  const insert = `INSERT INTO ${DRILL_TABLE} (writer, seq, host_time) VALUES ('${w.writer}', $n, $t0)`;
  return [
    "export LC_ALL=C",
    `mkdir -p "${DRILL_DIR}" && chmod 700 "${DRILL_DIR}" || exit 1`,
    `rm -f ${stop}; : > ${log}`,
    'now() { if [ -n "$EPOCHREALTIME" ]; then r=$EPOCHREALTIME; else r=$(date +%s.%N); fi; read -r m _ < /proc/uptime; }',
    `w=${shellQuote(w.writer)}; n=0; now; end=$(( \${r%%.*} + ${Math.ceil(w.boundSeconds)} ))`,
    `say() { echo "$1"; echo "$1" >> ${log}; }`,
    'say "begin $w $r $m"',
    `while [ ! -e ${stop} ] && [ "\${r%%.*}" -lt "$end" ]; do`,
    "  n=$((n+1)); now; t0=$r",
    `  if timeout -k 1 ${WRITE_TIMEOUT_SECONDS} gsql -d ${w.database} -p ${w.port} -t -A -X -q -c "${insert}" </dev/null >/dev/null 2>&1; then s=ok; else s=fail; fi`,
    '  now; say "w $w $n $t0 $r $m $s"',
    `  sleep ${WRITE_INTERVAL_SECONDS}; now`,
    "done",
    `now; say "end $w $r $m"; rm -f ${stop}`,
    "",
  ].join("\n");
}

/** A running writer. */
export interface Writer {
  readonly spec: WriterSpec;
  /** Where it runs. */
  readonly cluster: string;
  readonly host: string;
  /** Acknowledged writes so far (live, from its output). */
  acks(): number;
  /** Asks it to stop and waits (bounded) for its log. */
  stop(): Promise<string>;
}

/** Starts a writer on a DN host of `cluster`; its lines arrive live, its full log when it stops. */
export function startWriter(ctx: DrContext, cluster: string, host: string, spec: WriterSpec): Writer {
  let acks = 0;
  const done = onNode(ctx, cluster, host, "bash -s", {
    stdin: writerScript(spec),
    timeoutMs: (spec.boundSeconds + 60) * 1000,
    step: `drill writer ${spec.writer}`,
    onLine: (line) => {
      if (/^w \S+ \d+ \S+ \S+ \S+ ok$/.test(line.trim())) acks++;
    },
  });
  // A writer that failed to start shows as "no write acknowledged"; its error is read when it is stopped.
  done.catch(() => undefined);
  return {
    spec,
    cluster,
    host,
    acks: () => acks,
    async stop() {
      await onNode(ctx, cluster, host, `touch "${DRILL_DIR}/${spec.file}.stop"`, {
        timeoutMs: READ_TIMEOUT_MS,
        step: `stop drill writer ${spec.writer}`,
      }).catch(() => undefined);
      const r = await done;
      if (r.code !== 0 && !/^begin /m.test(r.stdout)) {
        throw new ToolError(`the drill's writer ${spec.writer} did not run on ${host}`, r.stderr.trim(), {
          where: { cluster, node: host, step: `drill writer ${spec.writer}` },
        });
      }
      return r.stdout;
    },
  };
}

/** Runs SQL (on stdin, never argv) through gsql as the OS user on a DN host; throws with gsql's error. */
export async function runSql(
  ctx: DrContext,
  cluster: string,
  host: string,
  database: string,
  port: number,
  sql: string,
  step: string,
): Promise<string> {
  const r = await onNode(
    ctx,
    cluster,
    host,
    `gsql -d ${database} -p ${port} -t -A -X -q -v ON_ERROR_STOP=1 -f /dev/stdin`,
    { stdin: `${sql}\n`, timeoutMs: READ_TIMEOUT_MS, step },
  );
  if (r.code !== 0) {
    throw new ToolError(`${step} failed on ${cluster} (${host})`, r.stderr.trim() || r.stdout.trim(), {
      where: { cluster, node: host, step, tool: "gsql" },
    });
  }
  return r.stdout;
}

/**
 * The DN host of `cluster` whose DN has `role` in `gs_om status` (`Primary` on the primary cluster, `Main
 * Standby` on the DR cluster: the one CM promotes), else the run node.
 */
export function dnHostOf(
  ctx: DrContext,
  obs: Observed,
  cluster: string,
  role: "Primary" | "Main Standby",
  fallback: ClusterDevice,
): ClusterDevice {
  const topo = ctx.topologies[cluster]!;
  const dn = obs[cluster]?.status?.datanodes.find((d) => d.instanceState === role);
  const device = dn ? topo.dataNodes.find((d) => d.name === dn.nodeName || d.sshIp === dn.nodeIp) : undefined;
  return device ?? fallback;
}
