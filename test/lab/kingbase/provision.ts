import type { EngineProvisioner } from "../types";

/** KingbaseES provisioner (V8R3 and V8R6): vendor file layouts, scripts and stand-in daemons. */
export const kingbaseProvisioner: EngineProvisioner = {
  engine: "kingbase-v8r6",
  async up() {
    throw new Error("KingbaseES lab provisioner: work in progress");
  },
  async down() {},
  async status() {
    return [];
  },
  async reset() {},
  faults: {},
};
