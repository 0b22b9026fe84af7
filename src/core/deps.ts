/**
 * The powers the core hands to backends, bundle steps and probes: effects behind small
 * interfaces, so tests pass in-memory fakes. New powers arrive as optional members.
 */
import type { Fs } from "./fs.ts";
import type { Runner } from "./runner.ts";

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export type HttpAnswer = { readonly status: number; readonly body: string } | { readonly error: string };

export interface HttpSendOptions {
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly timeoutMs: number;
}

/** A small HTTP client that never throws (a refused connection is an answer) and uses no proxy. */
export interface HttpProbe {
  get(url: string, timeoutMs: number): Promise<HttpAnswer>;
  send?(method: string, url: string, options: HttpSendOptions): Promise<HttpAnswer>;
}

/** Read-only Docker Engine API (GET, JSON); undefined answers mean "ask the CLI instead". */
export interface DockerApi {
  get(path: string): Promise<unknown>;
}

/** The powers a backend receives. */
export interface BackendDeps {
  readonly runner: Runner;
  readonly fs: Fs;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /** HTTP from the host (bundle readiness). */
  readonly http?: HttpProbe;
  /** The local Docker Engine API for read-only questions; absent = ask the docker CLI. */
  readonly dockerApi?: DockerApi;
}
