/**
 * RecoveryPolicy `adopt: true` through the real Pulumi CLI on the lab's V8R6 cluster: a first stack applies
 * `standby` and is forgotten (the nodes then run it, daemons loaded); adopting the mode the nodes have edits
 * nothing and restarts nothing (and destroy then restores nothing); adopting a mode they do not have fails at
 * preview and at up, with every file byte and daemon as it was.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, before, describe, test } from "node:test";
import type { LabInfo } from "pulumi-hadr-lab";
import { ensureLab, labCli, sshExec } from "pulumi-hadr-lab";
import { TestProject } from "../support/project";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { RecoveryPolicy } = require("pulumi-hadr");
const cfg = new pulumi.Config();
new RecoveryPolicy("kb", { ...cfg.requireObject("policy"), sshKey: { privateKey: cfg.requireSecret("sshKey") } });
`;
const CONF = "/home/kingbase/cluster/R6HA/kingbase/etc/repmgr.conf";
const PIDS =
  "/home/kingbase/cluster/R6HA/kingbase/etc/hamgrd.pid /home/kingbase/cluster/R6HA/kingbase/etc/kbha.pid";

let lab: LabInfo;
let key: string;

function spec(extra: Record<string, unknown>): Record<string, unknown> {
  const c = lab.clusters["kbv8r6"]!;
  return {
    engine: c.engine,
    nodes: c.hosts.map((h) => ({
      host: h.ip,
      ssh: { user: "kingbase", port: h.sshPort, hostKeys: { [h.ip]: h.hostKey } },
    })),
    adopt: true,
    ...extra,
  };
}

/** repmgr.conf and the daemons' pid files on every node: any edit or restart changes this. */
async function nodesState(): Promise<string> {
  const out: string[] = [];
  for (const h of lab.clusters["kbv8r6"]!.hosts) {
    const r = await sshExec(lab, h.ip, "kingbase", `md5sum ${CONF}; cat ${PIDS}`, { timeoutMs: 60_000 });
    out.push(`${h.ip}\n${r.stdout}`);
  }
  return out.join("\n");
}

describe("RecoveryPolicy adopt: true", { timeout: 20 * 60_000 }, () => {
  let p: TestProject;
  before(
    async () => {
      lab = await ensureLab({ engines: ["kingbase-v8r6"] });
      key = fs.readFileSync(lab.clientKeyPath, "utf8");
      assert.equal((await labCli(["reset"])).code, 0);
      // Another owner applies standby (restarting daemons where needed), then is forgotten.
      const first = await TestProject.create("kbadopt0", PROGRAM);
      try {
        await first.config("sshKey", key, true);
        const s = spec({ mode: "standby" });
        delete s["adopt"];
        await first.config("policy", JSON.stringify(s));
        await first.world.ok(["up", "--yes", "--skip-preview"], { timeoutMs: 300_000 });
        await first.world.ok(["stack", "rm", "--force", "--yes"]);
      } finally {
        first.dispose();
      }
      p = await TestProject.create("kbadopt", PROGRAM);
      await p.config("sshKey", key, true);
    },
    { timeout: 600_000 },
  );
  after(() => p?.dispose());

  test("a mode the nodes do not have is refused at preview and up; nothing changes", {
    timeout: 300_000,
  }, async () => {
    const before0 = await nodesState();
    await p.config("policy", JSON.stringify(spec({ mode: "automatic", acknowledgeDataLoss: true })));
    const pre = await p.world.run(["preview"], { timeoutMs: 300_000 });
    assert.notEqual(pre.code, 0);
    assert.match(
      pre.stdout + pre.stderr,
      /nodes\[0\].*adopt: the nodes do not have the requested automatic settings/s,
    );
    const up = await p.world.run(["up", "--yes", "--skip-preview"], { timeoutMs: 300_000 });
    assert.notEqual(up.code, 0);
    assert.equal(await nodesState(), before0);
  });

  test("the mode the nodes have is adopted: no edit, no restart; destroy restores nothing", {
    timeout: 600_000,
  }, async () => {
    const before0 = await nodesState();
    await p.config("policy", JSON.stringify(spec({ mode: "standby" })));
    const up = await p.world.ok(["up", "--yes", "--skip-preview"], { timeoutMs: 300_000 });
    assert.match(up.stdout, /adopted: every node already has the requested settings/);
    assert.equal(await nodesState(), before0, "no file edited, no daemon restarted");
    await p.world.ok(["destroy", "--yes", "--skip-preview"], { timeoutMs: 300_000 });
    assert.equal(await nodesState(), before0, "destroy of an adopted policy restores nothing");
  });
});
