import { createHash } from "node:crypto";
import { ParseError, RemoteCommandError, StateError } from "../errors";
import { shellQuote } from "./redact";
import type { SshSession } from "./ssh";

/** How to reach a file: as the login user, or as root through `sudo -n`. */
export type FileAccess = "user" | "sudo";

/** A remote file as read: exact bytes (null when missing) and its metadata. */
export interface RemoteFile {
  path: string;
  /** Content as UTF-8 text, byte-exact round trip; null when the file does not exist. */
  text: string | null;
  /** sha256 hex of the bytes ("" when missing): the compare-and-swap token for writes. */
  sha256: string;
  mtimeMs: number | null;
  uid: number | null;
  gid: number | null;
  /** Octal permission bits as `stat %a` prints them, e.g. "644". */
  mode: string | null;
}

const BEGIN = "@@HADR-FILE@@";

/** sha256 hex of a text's UTF-8 bytes. */
export function sha256Of(text: string): string {
  return createHash("sha256").update(Buffer.from(text, "utf8")).digest("hex");
}

function prefix(access: FileAccess): string {
  return access === "sudo" ? "sudo -n " : "";
}

/**
 * Reads several files in one round trip. Each file's bytes travel base64-encoded, so whitespace, CRLF and a
 * missing final newline survive exactly.
 */
export async function readRemoteFiles(
  session: SshSession,
  paths: string[],
  opts: { access?: FileAccess; timeoutMs: number; step?: string },
): Promise<RemoteFile[]> {
  if (paths.length === 0) return [];
  const script = paths
    .map(
      (p) =>
        `echo ${BEGIN}; if [ -e ${shellQuote(p)} ]; then stat -c '%u %g %a %Y' ${shellQuote(p)} && base64 -w0 ${shellQuote(p)}; echo; else echo missing; fi`,
    )
    .join("; ");
  const cmd = `${prefix(opts.access ?? "user")}sh -c ${shellQuote(script)}`;
  const out = await session.run(cmd, { timeoutMs: opts.timeoutMs, step: opts.step ?? "read files" });
  const blocks = out.split(`${BEGIN}\n`).slice(1);
  if (blocks.length !== paths.length) {
    throw new ParseError(
      `expected ${paths.length} file records from ${session.target.host}, got ${blocks.length}`,
      {
        where: { node: session.target.host, step: opts.step },
      },
    );
  }
  return blocks.map((block, i) => {
    const path = paths[i]!;
    const lines = block.split("\n");
    if (lines[0] === "missing") {
      return { path, text: null, sha256: "", mtimeMs: null, uid: null, gid: null, mode: null };
    }
    const [uid, gid, mode, mtime] = (lines[0] ?? "").split(" ");
    const text = Buffer.from(lines[1] ?? "", "base64").toString("utf8");
    return {
      path,
      text,
      sha256: sha256Of(text),
      mtimeMs: Number(mtime) * 1000,
      uid: Number(uid),
      gid: Number(gid),
      mode: mode ?? null,
    };
  });
}

/**
 * Replaces a file atomically (temporary file in the same directory, then rename), keeping owner and mode.
 * Compare-and-swap: the write happens only when the file still has the bytes the change was planned from
 * (`expectSha256`; "" = must not exist), so a concurrent edit is never clobbered.
 */
export async function writeRemoteFile(
  session: SshSession,
  path: string,
  text: string,
  opts: { access?: FileAccess; expectSha256: string; timeoutMs: number; step?: string },
): Promise<void> {
  const p = shellQuote(path);
  const guard =
    opts.expectSha256 === ""
      ? `[ ! -e ${p} ] || { echo "changed-underneath"; exit 3; }`
      : `[ "$(sha256sum ${p} | cut -d' ' -f1)" = ${opts.expectSha256} ] || { echo "changed-underneath"; exit 3; }`;
  const keep =
    opts.expectSha256 === ""
      ? `chmod 644 "$t" && `
      : `chown --reference=${p} "$t" && chmod --reference=${p} "$t" && `;
  const script = [
    "set -e",
    guard,
    `t=$(mktemp ${shellQuote(`${path}.hadr-XXXXXX`)})`,
    `trap 'rm -f "$t"' EXIT`,
    `base64 -d > "$t"`,
    `${keep}mv -f "$t" ${p}`,
    "trap - EXIT",
  ].join("\n");
  const cmd = `${prefix(opts.access ?? "user")}sh -c ${shellQuote(script)}`;
  const r = await session.exec(cmd, {
    timeoutMs: opts.timeoutMs,
    stdin: Buffer.from(text, "utf8").toString("base64"),
    step: opts.step ?? `write ${path}`,
  });
  const where = { node: session.target.host, step: opts.step ?? `write ${path}` };
  if (r.code === 3 && r.stdout.includes("changed-underneath")) {
    throw new StateError(`${path} changed on ${session.target.host} after it was read`, {
      where,
      hint: "Someone edited it meanwhile: run `pulumi refresh`, review the new preview, then `pulumi up` again.",
    });
  }
  if (r.code !== 0) {
    const detail = (r.stderr.trim() || r.stdout.trim()).split("\n").slice(-3).join(" | ");
    throw new RemoteCommandError(`could not write ${path}: ${detail}`, r.code, { where, retryable: false });
  }
}
