/**
 * Host-side fault markers, files under `<home>/lab/faults/` that the emulated tools honour:
 * `hang_<tool>` (the tool sleeps forever), `cut_<peerIp>` (no replication with that peer, either way),
 * `pg_stopped` (the DN was stopped by a fault), `lock_<trace>` (a stale gs_sdr lock the lab planted),
 * `sdrfail_<task>[_<mode>]` (gs_sdr fails once at the stage named inside, see `sdr/faultpoint.ts`).
 */

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { streamIpFor } from "../core/addresses";
import { faultDir } from "./layout";

/** Default lab state dir of the current user (`~/lab`). */
export function defaultLabDir(): string {
  return path.join(process.env["HOME"] || os.homedir(), "lab");
}

/** Marker file of a hung tool. */
function hangMarker(labDir: string, tool: string): string {
  return path.join(faultDir(labDir), `hang_${tool}`);
}

/**
 * If the `hang <ip> <tool>` fault is active on this host, never returns (the process sleeps until killed).
 * Every emulated tool calls this first; gs_sdr may import it too.
 */
export async function hangIfFaulted(tool: string, labDir = defaultLabDir()): Promise<void> {
  if (!fs.existsSync(hangMarker(labDir, tool))) return;
  await new Promise<never>(() => {
    setInterval(() => {}, 1 << 30);
  });
}

/** Peers this host must not replicate with (`dr-link-cut`): each cut host's address and its stream address. */
export function cutPeers(labDir: string): string[] {
  try {
    return fs
      .readdirSync(faultDir(labDir))
      .filter((f) => f.startsWith("cut_"))
      .flatMap((f) => {
        const ip = f.slice(4);
        const s = streamIpFor(ip);
        return s ? [ip, s] : [ip];
      });
  } catch {
    return [];
  }
}
