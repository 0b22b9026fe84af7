/**
 * The command section of a `git-receive-pack` request: "<old> <new> <ref>" pkt-lines, the first
 * carrying "\0<capabilities>", ended by a flush; the pack follows. A body of only "0000" is the
 * probe git sends before a large chunked push. Pure and incremental: feed it what has arrived.
 */
import { readPkt } from "./pkt-line.ts";

export const ZERO_ID = "0".repeat(40);

/** Capabilities the gate advertises; a client asking for anything else is refused. */
export const GATE_CAPABILITIES = [
  "report-status",
  "side-band-64k",
  "ofs-delta",
  "quiet",
  "atomic",
  "no-thin",
  "object-format=sha1",
] as const;

/** Bounds on the command section, so a client cannot make the gate buffer without end. */
export const MAX_COMMANDS = 256;
export const MAX_COMMAND_BYTES = 256 * 1024;

export interface RefCommand {
  readonly oldId: string;
  readonly newId: string;
  readonly ref: string;
}

export interface ReceiveRequest {
  readonly commands: readonly RefCommand[];
  readonly capabilities: readonly string[];
  /** Bytes of the body taken by the command section; the pack starts here. */
  readonly packOffset: number;
}

export type ReceiveParse =
  | { readonly state: "more" }
  | { readonly state: "probe" }
  | { readonly state: "done"; readonly request: ReceiveRequest }
  | { readonly state: "error"; readonly reason: string };

const COMMAND = /^([0-9a-f]{40}) ([0-9a-f]{40}) ([^\0\n]+)$/;

function commandLine(payload: Uint8Array, first: boolean): { command: RefCommand; caps: string[] } | string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(payload);
  } catch {
    return "command line is not UTF-8";
  }
  if (text.endsWith("\n")) text = text.slice(0, -1);
  const nul = text.indexOf("\0");
  if (nul !== -1 && !first) return "capabilities after the first command";
  const line = nul === -1 ? text : text.slice(0, nul);
  const caps =
    nul === -1
      ? []
      : text
          .slice(nul + 1)
          .split(" ")
          .filter((cap) => cap !== "");
  if (line.startsWith("shallow ")) return "shallow pushes are not supported";
  const match = COMMAND.exec(line);
  if (!match) return `malformed command ${JSON.stringify(line.slice(0, 100))}`;
  const unknown = caps.find(
    (cap) => !cap.startsWith("agent=") && !(GATE_CAPABILITIES as readonly string[]).includes(cap),
  );
  if (unknown !== undefined) return `capability ${JSON.stringify(unknown.slice(0, 60))} was not advertised`;
  return { command: { oldId: match[1] as string, newId: match[2] as string, ref: match[3] as string }, caps };
}

/** Parses the command section from the start of `body`; "more" until its flush has arrived. */
export function parseReceiveRequest(body: Uint8Array): ReceiveParse {
  const commands: RefCommand[] = [];
  let capabilities: string[] = [];
  let offset = 0;
  for (;;) {
    if (offset > MAX_COMMAND_BYTES)
      return { state: "error", reason: `command section over ${MAX_COMMAND_BYTES} bytes` };
    const read = readPkt(body, offset);
    if (!read.ok) return { state: "error", reason: read.reason };
    if (read.pkt === undefined) return { state: "more" };
    offset = read.next;
    if (read.pkt.kind === "flush") {
      if (commands.length === 0)
        return offset === body.length ? { state: "probe" } : { state: "error", reason: "no commands before the pack" };
      return { state: "done", request: { commands, capabilities, packOffset: offset } };
    }
    const parsed = commandLine(read.pkt.payload, commands.length === 0);
    if (typeof parsed === "string") return { state: "error", reason: parsed };
    commands.push(parsed.command);
    if (commands.length === 1) capabilities = parsed.caps;
    if (commands.length > MAX_COMMANDS)
      return { state: "error", reason: `more than ${MAX_COMMANDS} ref updates in one push` };
  }
}
