/**
 * The lab's fixture API for the provider's tests (`import … from "pulumi-hadr-lab"`): bring the lab up, drive
 * its CLI, run commands on its hosts over SSH, set up openGauss DR by hand, and the lab.json types. Only what
 * the provider's tests use is here; the emulator's own modules stay inside the package.
 */

export { fingerprintOfBlob } from "./core/keys";
export { shq } from "./core/shell";
export { sshdPaths } from "./core/sshd";
export {
  ensureLab,
  hostPower,
  type JumpInfo,
  jumpOff,
  jumpOn,
  labCli,
  type OmVersionChoice,
  type SshExecOptions,
  setOmVersion,
  sshExec,
} from "./fixture";
export { dissolveDr, labPairs, omm, sdrQuery, writeDrXml } from "./og-dr";
export type { LabClusterOutput, LabClusterSpec, LabHost, LabInfo, LabUser } from "./types";
