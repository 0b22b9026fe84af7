/** Hand-made receive-pack requests for hostile-input tests, and a reader for the gate's report. */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { concatBytes, FLUSH, pkt, readPkt } from "../../src/bundle/serve/gate/pkt-line.ts";
import { tempDir } from "./cli.ts";
import { gitOk } from "./git.ts";

/** A pack of the objects `revs` names (pack-objects --revs syntax, e.g. ["<new>", "^<old>"]), or exactly `objects`. */
export async function makePack(gitDir: string, input: { revs?: string[]; objects?: string[] }, env?: Record<string, string>): Promise<Uint8Array> {
  const dir = tempDir("pack");
  const args = input.revs ? ["pack-objects", "-q", "--revs", join(dir, "p")] : ["pack-objects", "-q", join(dir, "p")];
  await gitOk(["--git-dir", gitDir, ...args], { input: `${(input.revs ?? input.objects ?? []).join("\n")}\n`, ...(env ? { env } : {}) });
  const name = readdirSync(dir).find((file) => file.endsWith(".pack")) as string;
  return new Uint8Array(readFileSync(join(dir, name)));
}

/** The body git would POST: commands (caps on the first), a flush, then the pack. */
export function receiveBody(commands: readonly { oldId: string; newId: string; ref: string }[], pack: Uint8Array, caps = "report-status side-band-64k"): Uint8Array {
  const lines = commands.map((command, index) => pkt(`${command.oldId} ${command.newId} ${command.ref}${index === 0 ? `\0${caps}` : ""}\n`));
  return concatBytes([...lines, FLUSH, pack]);
}

export async function postReceive(url: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; body: Uint8Array }> {
  const response = await fetch(`${url}/git-receive-pack`, { method: "POST", body: Buffer.from(body), headers: { "content-type": "application/x-git-receive-pack-request", ...headers } });
  return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
}

/** The report-status lines of a response, taken out of side-band 1 when it is banded. */
export function reportLines(body: Uint8Array, banded = true): string[] {
  const packets: Uint8Array[] = [];
  for (let at = 0; ; ) {
    const read = readPkt(body, at);
    if (!read.ok || read.pkt === undefined) break;
    at = read.next;
    if (read.pkt.kind === "data") packets.push(read.pkt.payload);
  }
  if (!banded) return packets.map((packet) => new TextDecoder().decode(packet).trimEnd());
  const inner = concatBytes(packets.filter((packet) => packet[0] === 1).map((packet) => packet.subarray(1)));
  return reportLines(inner, false);
}
