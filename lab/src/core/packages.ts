/**
 * Debian packages the lab needs: checked with dpkg-query; installed as root (`apt-get update` once, then
 * `apt-get install -y`), otherwise the exact command to run is reported.
 */
import { mustRun, runCommand } from "./proc";

/** Debian packages the lab needs. */
const REQUIRED_PACKAGES = ["postgresql", "postgresql-15-repmgr", "openssh-server", "sudo"] as const;

/** dpkg-query output format: package name and status, one per line. */
const DPKG_FORMAT = ["$", "{Package} $", "{Status}\\n"].join("");

/** The required packages that dpkg does not report as installed. */
async function missingPackages(pkgs: readonly string[] = REQUIRED_PACKAGES): Promise<string[]> {
  const r = await runCommand("dpkg-query", ["-W", `-f=${DPKG_FORMAT}`, ...pkgs], {
    timeoutMs: 30_000,
  });
  if (r.code === 127) throw new Error("dpkg-query not found: the lab needs a Debian-based machine");
  const installed = new Set(
    r.stdout
      .split("\n")
      .filter((l) => / install ok installed$/.test(l))
      .map((l) => l.split(" ")[0]),
  );
  return pkgs.filter((p) => !installed.has(p));
}

/** The command a user has to run to install `pkgs`. */
function installCommand(pkgs: readonly string[]): string {
  return `sudo apt-get update && sudo apt-get install -y ${pkgs.join(" ")}`;
}

/** Installs missing packages (default: the lab's) as root; without root throws with the command to run. */
export async function ensurePackages(
  asRoot: boolean,
  log: (m: string) => void,
  pkgs: readonly string[] = REQUIRED_PACKAGES,
): Promise<void> {
  const missing = await missingPackages(pkgs);
  if (missing.length === 0) return;
  if (!asRoot) {
    throw new Error(
      `missing Debian packages: ${missing.join(" ")}. Install them with:\n  ${installCommand(missing)}`,
    );
  }
  log(`installing ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  await mustRun("apt-get", ["update"], { env, timeoutMs: 600_000 });
  await mustRun("apt-get", ["install", "-y", "--no-install-recommends", ...missing], {
    env,
    timeoutMs: 1_200_000,
  });
  const still = await missingPackages(pkgs);
  if (still.length) throw new Error(`apt-get install did not install: ${still.join(" ")}`);
}
