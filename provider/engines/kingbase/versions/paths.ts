/** Path and user-name rules shared by the KingbaseES version modules' `paths` schemas. Pure. */
import { posix } from "node:path";
import { z } from "zod";

const SAFE_PATH = /^[A-Za-z0-9._/+@,:=-]+$/;
const SAFE_PATH_REASON = "must be a path of letters, digits and . _ / + @ , : = - only";

/** An absolute path of safe characters. */
export const absPath = z
  .string()
  .regex(SAFE_PATH, SAFE_PATH_REASON)
  .refine((p) => p.startsWith("/"), "must be an absolute path");
/** A relative (to the install directory) or absolute path of safe characters. */
export const relOrAbsPath = z.string().regex(SAFE_PATH, SAFE_PATH_REASON);
/** A POSIX user name. */
export const posixUser = z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a POSIX user name");

/** `p` when absolute (normalised), else `p` below `base`. */
export function under(base: string, p: string): string {
  return p.startsWith("/") ? posix.normalize(p) : posix.join(base, p);
}
