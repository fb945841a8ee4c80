/**
 * The last lab test (alphabetically last in dist/test/lab): `lab down` leaves no trace — no sshd or other
 * process of the lab, no lab root, no users, group or sudoers file (unless another lab on the machine still
 * uses them). Nothing is brought back up afterwards.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { test } from "node:test";
import { labRootFromEnv } from "../src/core/addresses";
import { otherLabs } from "../src/core/registry";
import { groupExists, LAB_GROUP, LAB_USER_NAMES, lookupUser, SUDOERS_FILE } from "../src/core/users";
import { ensureLab, labCli } from "../src/fixture";

const asRoot = process.getuid?.() === 0;

/** Pids whose command line mentions `text`. */
function processesMentioning(text: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, "utf8").includes(text)) out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}

test("lab down removes every trace", { skip: !asRoot && "needs root", timeout: 300_000 }, async () => {
  const lab = await ensureLab({ engines: [] });
  const root = labRootFromEnv();
  assert.equal(lab.root, root);
  assert.ok(processesMentioning(`${root}/hosts/`).length > 0, "the lab runs before down");

  const r = await labCli(["down"]);
  assert.equal(r.code, 0, `${r.stderr}${r.stdout}`);

  assert.equal(fs.existsSync(root), false, "lab root removed");
  assert.equal(fs.existsSync(`${root}.lock`), false, "lock removed");
  assert.deepEqual(processesMentioning(`${root}/hosts/`), [], "no sshd of the lab left");
  const holders = Object.values(lab.clusters).flatMap((c) =>
    c.hosts.flatMap((h) => processesMentioning(`hadr-lab-ns:${h.ip}\0`)),
  );
  assert.deepEqual(holders, [], "no namespace holder left");

  const others = otherLabs(root);
  if (others.length === 0) {
    for (const u of LAB_USER_NAMES) assert.equal(lookupUser(u), undefined, `user ${u} removed`);
    assert.equal(groupExists(LAB_GROUP), false, "group removed");
    assert.equal(fs.existsSync(SUDOERS_FILE), false, "sudoers drop-in removed");
  } else {
    // Users are machine-wide: another lab (another HADR_LAB_ROOT) still needs them.
    for (const u of LAB_USER_NAMES) assert.notEqual(lookupUser(u), undefined, `user ${u} kept for ${others}`);
  }

  const again = await labCli(["down"]);
  assert.equal(again.code, 0, `down is idempotent: ${again.stderr}`);
});
