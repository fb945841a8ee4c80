/**
 * "What preview said is what up did": reads every node's live configuration (postgresql.conf, pg_hba.conf, cm_agent
 * and cm_server settings, the DCC keys a plan names) and lists every plan entry the live state does not match.
 * Plan entries are the preview's `plan` lines joined back from their display wrapping.
 */
import assert from "node:assert/strict";
import type { LabInfo } from "pulumi-hadr-lab";
import { sshExec } from "pulumi-hadr-lab";

/** One node's live configuration. */
interface LiveNode {
  conf: string;
  hba: string;
  cm: string;
  dcc: Record<string, string | null>;
}

/** Joins the preview's wrapped plan lines back into `header: before → after` entries. */
export function logicalPlan(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    if (l.startsWith("  - ")) out[out.length - 1] += ` ${l.slice(4)}`;
    else if (l.startsWith("  + ")) out[out.length - 1] += ` → ${l.slice(4)}`;
    else if (l.startsWith("    ")) out[out.length - 1] += ` ${l.slice(4)}`;
    else out.push(l);
  }
  return out;
}

/**
 * The plan lines of the DrRelationship named `name` in a `pulumi preview` output: check() prints the whole plan as
 * `[<name>] plan: …` lines every time, on stderr (the CLI may show them twice: as they come and in its summary);
 * from stdout alone, the `plan` property a create lists.
 */
export function planFromPreview(out: string, name = "dr"): string[] {
  const lines: string[] = [];
  const marker = `[${name}] plan: `;
  for (const l of out.split("\n")) {
    const i = l.indexOf(marker);
    if (i >= 0) lines.push(l.slice(i + marker.length).replace(/\s+$/, ""));
  }
  if (lines.length === 0) {
    // stdout only: the `plan` property as `--diff` lists it (a create shows every element)
    for (const m of out.matchAll(/^\s+\[\d+\]: "(.*)"$/gm)) lines.push(JSON.parse(`"${m[1]!}"`) as string);
  }
  const starts = lines.flatMap((l, i) => (l.startsWith("operation: ") ? [i] : []));
  return starts.length > 1 ? lines.slice(starts[0], starts[1]) : lines;
}

/**
 * The last active `name = value` of a postgresql.conf text, unquoted unless `raw` (then as written, quotes and
 * all); `(unset)` when none.
 */
function confValue(conf: string, name: string, raw = false): string {
  let v = "(unset)";
  for (const line of conf.split("\n")) {
    const m = /^\s*([A-Za-z_]\w*)\s*=\s*(.*)$/.exec(line);
    if (!m || m[1]!.toLowerCase() !== name) continue;
    const text = m[2]!.replace(/\s+#[^']*$/, "").trim();
    v = raw || text === "''" ? text : text.replace(/^'(.*)'$/, "$1");
  }
  return v;
}

/** GUCs whose quoting differs between OM releases: the plan's quotes must be the file's. */
const QUOTING_CHECKED = new Set(["wal_keep_segments"]);

function squash(line: string): string {
  return line.trim().split(/\s+/).join(" ");
}

function activeHba(hba: string): string[] {
  return hba
    .split("\n")
    .map(squash)
    .filter((l) => l !== "" && !l.startsWith("#"));
}

async function readNode(lab: LabInfo, ip: string, dataDir: string, keys: string[]): Promise<LiveNode> {
  const dcc = keys
    .map((k) => `echo "@@dcc ${k}"; cm_ctl ddb --get '${k}' 2>/dev/null | tail -1; echo`)
    .join("; ");
  const script = [
    ". ~/.bashrc >/dev/null 2>&1",
    `cat '${dataDir}/postgresql.conf'`,
    "echo @@hba",
    `cat '${dataDir}/pg_hba.conf'`,
    "echo @@cm",
    'd=$(cm_ctl view 2>/dev/null | sed -n "s/^cmDataPath *: *//p" | head -1); cat "$d/cm_agent/cm_agent.conf" "$d/cm_server/cm_server.conf" 2>/dev/null',
    dcc || "true",
  ].join("; ");
  const r = await sshExec(lab, ip, "omm", script, { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const [conf, rest1 = ""] = r.stdout.split("@@hba\n");
  const [hba, rest2 = ""] = rest1.split("@@cm\n");
  const [cm, ...dccParts] = rest2.split("@@dcc ");
  const out: Record<string, string | null> = {};
  for (const part of dccParts) {
    const [key, value = ""] = part.split("\n");
    const v = value.trim();
    out[key!.trim()] = v === "" || /Key not found/.test(v) ? null : v.replace(/^.*:\s*/, "");
  }
  return { conf: conf!, hba: hba!, cm: cm!, dcc: out };
}

const GUC_ENTRY =
  /^(\w+)\/(\S+) (replconninfo\d|stream_cluster_run_mode|synchronous_commit|most_available_sync|wal_keep_segments|default_transaction_read_only): .* → (.*?)(?: \(on restart\)| \(temporary: restored to (.*?) when .*\))?$/;
const CM_ENTRY = /^(\w+)\/(\S+) cm_(?:server|agent) (backup_open|agent_backup_open): .* → (\S+)$/;
const DCC_ENTRY = /^(\w+) dcc (\S+): .* → (.*)$/;
const HBA_ENTRY = /^(\w+)\/(\S+) pg_hba ([+~#]) (.*?)(?: \(re-enables a commented-out entry\))?$/;

/**
 * Every plan entry (GUC, CM setting, DCC key, pg_hba edit) checked against the live nodes; returns the number of
 * entries checked and fails the test listing each one the live state contradicts.
 */
export async function assertPlanIsLive(
  lab: LabInfo,
  plan: readonly string[],
  opts: { dataDir?: string; skip?: RegExp } = {},
): Promise<number> {
  const entries = logicalPlan(plan).filter((e) => !opts.skip?.test(e));
  const dataDir = opts.dataDir ?? "/home/omm/data/dn1";
  const ipOf = (cluster: string, node: string) =>
    lab.clusters[cluster]!.hosts.find((h) => h.name === node || h.ip === node)!.ip;
  const runIp = (cluster: string) => lab.clusters[cluster]!.hosts[0]!.ip;
  const dccKeys: Record<string, string[]> = {};
  for (const e of entries) {
    const m = DCC_ENTRY.exec(e);
    if (m) dccKeys[m[1]!] = [...(dccKeys[m[1]!] ?? []), m[2]!];
  }
  const cache = new Map<string, LiveNode>();
  const live = async (ip: string, cluster: string) => {
    if (!cache.has(ip)) cache.set(ip, await readNode(lab, ip, dataDir, dccKeys[cluster] ?? []));
    return cache.get(ip)!;
  };
  const wrong: string[] = [];
  let checked = 0;
  for (const e of entries) {
    let m = GUC_ENTRY.exec(e);
    if (m) {
      const raw = QUOTING_CHECKED.has(m[3]!);
      const want = raw ? (m[5] ?? m[4]!) : (m[5] ?? m[4]!).replace(/^'(.*)'$/, "$1");
      const got = confValue((await live(ipOf(m[1]!, m[2]!), m[1]!)).conf, m[3]!, raw);
      if (got !== want) wrong.push(`${e}\n    live: ${got}`);
      checked++;
      continue;
    }
    m = CM_ENTRY.exec(e);
    if (m) {
      const cm = (await live(ipOf(m[1]!, m[2]!), m[1]!)).cm;
      const got = new RegExp(`^\\s*${m[3]}\\s*=\\s*(\\S+)`, "m").exec(cm)?.[1];
      if (got !== m[4]) wrong.push(`${e}\n    live: ${got}`);
      checked++;
      continue;
    }
    m = DCC_ENTRY.exec(e);
    if (m) {
      const got = (await live(runIp(m[1]!), m[1]!)).dcc[m[2]!] ?? null;
      const ok = /^max DN term/.test(m[3]!) ? got !== null && /^\d+$/.test(got) : got === m[3];
      if (!ok) wrong.push(`${e}\n    live: ${got}`);
      checked++;
      continue;
    }
    m = HBA_ENTRY.exec(e);
    if (m) {
      const active = activeHba((await live(ipOf(m[1]!, m[2]!), m[1]!)).hba);
      const text = m[4]!;
      if (m[3] === "+") {
        if (!active.includes(squash(text))) wrong.push(`${e}\n    live: not an active line`);
      } else if (m[3] === "~") {
        const next = text.split(" → ")[1] ?? "";
        if (!active.includes(squash(next))) wrong.push(`${e}\n    live: not an active line`);
      } else if (active.some((l) => l.startsWith(`${squash(text)} `) || l === squash(text))) {
        wrong.push(`${e}\n    live: still active`);
      }
      checked++;
    }
  }
  assert.deepEqual(wrong, [], `plan entries the live nodes contradict:\n${wrong.join("\n")}`);
  return checked;
}
