import type { EngineProvisioner } from "../types";

function pending(engine: "kingbase-v8r3" | "kingbase-v8r6"): EngineProvisioner {
  return {
    engine,
    async up() {
      throw new Error(`${engine} lab provisioner: work in progress`);
    },
    async down() {},
    async status() {
      return [];
    },
    async reset() {},
    faults: {},
  };
}

/** KingbaseES V8R3 provisioner: HAmodule.conf copies, KINGBASECRON, kingbase_monitor.sh. */
export const kingbaseV8R3Provisioner: EngineProvisioner = pending("kingbase-v8r3");
/** KingbaseES V8R6 provisioner: repmgr.conf, repmgr CLI, repmgrd/kbha stand-in daemons. */
export const kingbaseV8R6Provisioner: EngineProvisioner = pending("kingbase-v8r6");
