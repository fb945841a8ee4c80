/**
 * Command line of the emulated gs_sdr (OM `params_handler.py`): an optparse-like parser
 * (`conflict_handler='resolve'`, `disable_interspersed_args()`, long-option prefix matching) and the
 * per-parameter validators with the exact OM messages.
 */
import { LogExit } from "./errors";

/** Parsed options, named after OM's optparse `dest`s. */
export interface RawOptions {
  task?: string;
  mode?: string;
  hadrUserName?: string;
  hadrUserPassword?: string;
  xmlPath?: string;
  jsonPath?: string;
  timeout: string;
  logFile?: string;
  force: boolean;
  help: boolean;
  optparseHelp: boolean;
  version: boolean;
  /** Positional leftovers (ignored, as OM ignores them). */
  args: string[];
}

/** `HELP_MSG` of gs_sdr (master). */
export const HELP_MSG = `gs_sdr is a utility for streaming disaster recovery fully options.

Usage:
  gs_sdr -? | --help
  gs_sdr -V | --version
  gs_sdr -t start -m [primary|disaster_standby] -X XMLFILE [-U DR_USERNAME] [-W DR_PASSWORD] [--json JSONFILE] [--time-out=SECS] [-l LOGFILE]
  gs_sdr -t stop -X XMLFILE|--json JSONFILE [-l LOGFILE]
  gs_sdr -t switchover -m [primary|disaster_standby] [--time-out=SECS] [-l LOGFILE]
  gs_sdr -t failover [-l LOGFILE]
  gs_sdr -t query [-l LOGFILE]
General options:
  -?, --help                     Show help information for this utility,
                                 and exit the command line mode.
  -V, --version                  Show version information.
  -t                             Task name, it could be:
                                 "start", "stop", "switchover", "failover", "query".
  -m                             Option mode, it could be:
                                 "primary", "disaster_standby".
  -U                             Disaster recovery user name.
  -W                             Disaster recovery user password.
  -X                             Path of the XML configuration file.
  -l                             Path of log file.
  --json                         Path of params file for streaming options.
  --time-out=SECS                Maximum waiting time when Main standby connect to the primary dn,
                                 default value is 1200s.
`;

/** optparse's generated help for `-h` (the option survives the conflict resolution). */
export const OPTPARSE_HELP = `Usage: gs_sdr [options]

Options:
  -h, --help            show this help message and exit
  -t TASK
  -m MODE
  -U HADRUSERNAME
  -W HADRUSERPASSWD
  -X XML_PATH
  --json=JSON_PATH
  --time-out==TIMEOUT
  -l LOGFILE
  -f
  -V, --version
  -?

Example: gs_sdr -t start -m primary -X clusterConfig.xml --time-out=1200.
`;

type Dest = Exclude<keyof RawOptions, "args" | "force" | "help" | "optparseHelp" | "version">;
interface OptDef {
  dest: Dest | "force" | "help" | "optparseHelp" | "version";
  takesValue: boolean;
}

const SHORT: Record<string, OptDef> = {
  t: { dest: "task", takesValue: true },
  m: { dest: "mode", takesValue: true },
  U: { dest: "hadrUserName", takesValue: true },
  W: { dest: "hadrUserPassword", takesValue: true },
  X: { dest: "xmlPath", takesValue: true },
  l: { dest: "logFile", takesValue: true },
  f: { dest: "force", takesValue: false },
  V: { dest: "version", takesValue: false },
  "?": { dest: "help", takesValue: false },
  h: { dest: "optparseHelp", takesValue: false },
};

// `--help` was re-registered by `-?, --help` (conflict resolution), `--version` belongs to `-V`.
const LONG: Record<string, OptDef> = {
  "--json": { dest: "jsonPath", takesValue: true },
  "--time-out=": { dest: "timeout", takesValue: true },
  "--version": { dest: "version", takesValue: false },
  "--help": { dest: "help", takesValue: false },
};

/** An optparse usage error (`parser.error`): message on stderr, exit 1 in gs_sdr. */
export class OptparseError extends Error {}

function matchLong(opt: string): string {
  if (opt in LONG) return opt;
  const candidates = Object.keys(LONG).filter((k) => k.startsWith(opt));
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length === 0) throw new OptparseError(`no such option: ${opt}`);
  throw new OptparseError(`ambiguous option: ${opt} (${candidates.join(", ")}?)`);
}

/**
 * Parses argv (without node and script) like optparse with `disable_interspersed_args()`. `withForce`:
 * the release's parser has `-f` (7.0.0-RC2+); without it `-f` is an unknown option, as in older gs_sdr.
 */
export function parseArgv(argv: string[], withForce = true): RawOptions {
  const o: RawOptions = {
    timeout: "1200",
    force: false,
    help: false,
    optparseHelp: false,
    version: false,
    args: [],
  };
  const set = (def: OptDef, value?: string) => {
    if (def.takesValue) (o as unknown as Record<string, string>)[def.dest] = value ?? "";
    else (o as unknown as Record<string, boolean>)[def.dest] = true;
  };
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i]!;
    if (arg === "--") {
      o.args.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq >= 0 ? arg.slice(0, eq) : arg;
      const key = matchLong(name);
      const def = LONG[key]!;
      if (def.takesValue) {
        if (eq >= 0) set(def, arg.slice(eq + 1));
        else if (i + 1 < argv.length) {
          set(def, argv[i + 1]);
          i++;
        } else throw new OptparseError(`${key} option requires an argument`);
      } else {
        if (eq >= 0) throw new OptparseError(`${key} option does not take a value`);
        set(def);
      }
      i++;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      let j = 1;
      while (j < arg.length) {
        const ch = arg[j]!;
        const def = ch === "f" && !withForce ? undefined : SHORT[ch];
        if (!def) throw new OptparseError(`no such option: -${ch}`);
        if (def.takesValue) {
          const rest = arg.slice(j + 1);
          if (rest) set(def, rest);
          else if (i + 1 < argv.length) {
            set(def, argv[i + 1]);
            i++;
          } else throw new OptparseError(`-${ch} option requires an argument`);
          break;
        }
        set(def);
        j++;
      }
      i++;
      continue;
    }
    // disable_interspersed_args: the first positional argument stops option parsing
    o.args.push(...argv.slice(i));
    break;
  }
  return o;
}

/** Characters OM's injection check refuses (`PATH_CHECK_LIST`-like list of `check_injection_char`). */
const INJECTION_CHARS = [
  "|",
  ";",
  "&",
  "$",
  "<",
  ">",
  "`",
  "\\",
  "'",
  '"',
  "{",
  "}",
  "(",
  ")",
  "[",
  "]",
  "~",
  "*",
  "?",
  " ",
  "!",
  "\n",
];

/** Validates `-m` (GAUSS-50011). */
export function checkMode(mode: string | undefined): void {
  if (mode !== "primary" && mode !== "disaster_standby") {
    throw new LogExit(`[GAUSS-50011] : The parameter[-m] value[${mode ?? "None"}] is invalid.`);
  }
}

/** Validates the DR user name (string, at most 256 chars, no injection character). */
export function checkUserName(name: string | undefined): void {
  if (typeof name !== "string" || name.length === 0 || name.length > 256) {
    throw new LogExit(`[GAUSS-50004] : The parameter '-U' value is incorrect.`);
  }
  for (const c of INJECTION_CHARS) {
    if (name.includes(c)) {
      throw new LogExit(`[GAUSS-50025] : There is illegal character '${c}' in parameter disaster username.`);
    }
  }
}

const PASSWORD_DESC = "disaster user password";

/**
 * Validates the DR password by the release's rule. `regex` (master, `check_db_password`): a string of at
 * most 256 chars matching `^[A-Za-z0-9~!@#%^*\-_=+?,]+$` (GAUSS-50024). `injection` (every release up to
 * 7.0.0-RC3, `check_db_user`): at most 256 chars and none of {@link INJECTION_CHARS} — checked with
 * `value.find(c) > 0`, so a forbidden character in the first position passes, as in the real code (GAUSS-50025).
 */
export function checkPassword(pwd: string | undefined, rule: "injection" | "regex" = "regex"): void {
  if (typeof pwd !== "string") {
    throw new LogExit(`[GAUSS-50022] : The parameter '${PASSWORD_DESC}' should be string.`);
  }
  if (pwd.length > 256) {
    throw new LogExit(`[GAUSS-50023] : The parameter '${PASSWORD_DESC}' over max length 256.`);
  }
  if (rule === "injection") {
    for (const c of INJECTION_CHARS) {
      if (pwd.indexOf(c) > 0) {
        throw new LogExit(`[GAUSS-50025] : There is illegal character '${c}' in parameter ${PASSWORD_DESC}.`);
      }
    }
    return;
  }
  if (!/^[A-Za-z0-9~!@#%^*\-_=+?,]+$/.test(pwd)) {
    throw new LogExit(`[GAUSS-50024] : The parameter '${PASSWORD_DESC}' is invalid.`);
  }
}

/** Validates `--time-out` (the three-dash message is the code's own). */
export function checkTimeout(t: string): number {
  if (!/^\d+$/.test(t)) throw new LogExit("[GAUSS-50004] : The parameter '---time-out' value is incorrect.");
  return Number.parseInt(t, 10);
}

/** Validates `-l`: must end in `.log` and contain only one `.`. */
export function checkLogFile(p: string): void {
  const base = p.split("/").pop() ?? "";
  if (!base.endsWith(".log") || base.split(".").length !== 2) {
    throw new LogExit(`[GAUSS-50004] : The parameter '-l' value is incorrect.`);
  }
}
