/**
 * Progress lines and warnings of a hook, routed to the front-end that serves it: the dynamic provider prints
 * them (the CLI shows a dynamic provider's stdout as diagnostics), the native plugin sends them to the engine's
 * log with the resource's URN. The controller runs each hook inside {@link withProgress}; engines call
 * {@link progress} and {@link warn} anywhere below it, concurrent hooks each reaching their own channel.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** Where a hook's progress lines and warnings go. */
export interface ProgressSink {
  /** A progress line (a stage, a wait, a plan line). */
  info(line: string): void;
  /** A warning the user should act on. */
  warn(line: string): void;
}

const current = new AsyncLocalStorage<ProgressSink>();

/** The sink that prints `[name] line` to stdout (the dynamic provider's channel, and the fallback). */
export function consoleSink(name: string): ProgressSink {
  return {
    info: (line) => console.log(`[${name}] ${line}`),
    warn: (line) => console.log(`[${name}] warning: ${line}`),
  };
}

/** Runs `fn` with `sink` as the channel of every progress line and warning it emits. */
export function withProgress<T>(sink: ProgressSink, fn: () => Promise<T>): Promise<T> {
  return current.run(sink, fn);
}

/** A progress line of the resource `name` (its channel when a hook runs, else stdout). */
export function progress(name: string, line: string): void {
  (current.getStore() ?? consoleSink(name)).info(line);
}

/** A warning of the resource `name` (a real warning on the native front-end). */
export function warn(name: string, line: string): void {
  (current.getStore() ?? consoleSink(name)).warn(line);
}
