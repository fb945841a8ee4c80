/**
 * Emulated `gs_om`: `-t status` (cluster block), `-t status --all` (= `cm_ctl query -v`, §5.2) and
 * `-t status --detail` (`cm_ctl query -Cvidp` reflowed one DN per line, §5.3).
 */
import { localNode, readStaticConfig } from "../layout";
import { renderKv, renderStatusShort, renderTable } from "../render";
import { clusterView } from "../status";
import { err, out, runTool } from "../toolmain";

async function main(argv: string[]): Promise<number> {
  const t = argv[argv.indexOf("-t") + 1];
  if (argv.indexOf("-t") < 0 || !t) {
    err("[GAUSS-50001] : Incorrect parameter. Parameter '-t' is required.");
    return 1;
  }
  if (t !== "status") {
    err(`[GAUSS-50004] : The parameter '-t' value is incorrect.`);
    return 1;
  }
  const cfg = readStaticConfig();
  const v = await clusterView(cfg, localNode(cfg));
  if (argv.includes("--all")) out(renderKv(v));
  else if (argv.includes("--detail")) {
    out(renderTable(v, { cms: true, ip: true, dataPath: true, port: true, az: true, wrap: true }));
  } else out(renderStatusShort(v));
  return 0;
}

runTool("gs_om", main);
