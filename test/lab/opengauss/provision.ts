import type { EngineProvisioner } from "../types";

/** openGauss provisioner: PostgreSQL per host with in-cluster streaming and the emulated OM/CM tools. */
export const openGaussProvisioner: EngineProvisioner = {
  engine: "opengauss",
  async up() {
    throw new Error("openGauss lab provisioner: work in progress");
  },
  async down() {},
  async status() {
    return [];
  },
  async reset() {},
  faults: {},
};
