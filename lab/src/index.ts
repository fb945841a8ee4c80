/**
 * The lab's fixture API for the provider's tests (`import … from "pulumi-hadr-lab"`): bring the lab up, drive
 * its CLI, run commands on its hosts over SSH, set up openGauss DR by hand, and the lab.json types.
 */

export { fingerprintOfBlob } from "./core/keys";
export { shq } from "./core/shell";
export * from "./core/sshd";
export * from "./fixture";
export * from "./og-dr";
export * from "./types";
