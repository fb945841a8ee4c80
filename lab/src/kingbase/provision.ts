/**
 * The KingbaseES provisioners the lab core calls (see lab/README.md, "KingbaseES hosts"):
 * V8R3 in ./v8r3/provisioner.ts, V8R6 in ./v8r6/provisioner.ts.
 */
export { kingbaseV8R3Provisioner } from "./v8r3/provisioner";
export { kingbaseV8R6Provisioner } from "./v8r6/provisioner";
