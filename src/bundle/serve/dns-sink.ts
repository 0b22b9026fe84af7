/**
 * The DNS sink on :53 (UDP and TCP): every query is answered REFUSED, its name logged and
 * counted. The agent needs no DNS (it dials IP literals and the proxy resolves), so DNS is
 * closed as an exfiltration channel rather than left to whatever resolver the guest finds.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server } from "node:net";

const REFUSED = 5;

/** The query name, or "?" when the packet is not a readable DNS question. */
export function queryName(packet: Buffer): string {
  const labels: string[] = [];
  let offset = 12;
  while (offset < packet.length) {
    const length = packet[offset]!;
    if (length === 0) return labels.join(".") || ".";
    if (length > 63 || offset + 1 + length > packet.length) return "?";
    labels.push(packet.subarray(offset + 1, offset + 1 + length).toString("latin1"));
    offset += 1 + length;
  }
  return "?";
}

/** A REFUSED answer to `query`: same ID and question, QR set, RD copied, no records. */
export function refusedAnswer(query: Buffer): Buffer | undefined {
  if (query.length < 12) return undefined;
  let end = 12;
  while (end < query.length && query[end] !== 0) end += query[end]! + 1;
  const questionEnd = Math.min(end + 5, query.length);
  const hasQuestion = query.readUInt16BE(4) >= 1 && end < query.length && questionEnd <= query.length;
  const answer = Buffer.alloc(hasQuestion ? questionEnd : 12);
  query.copy(answer, 0, 0, 2); // ID
  answer[2] = 0x80 | (query[2]! & 0x79); // QR, opcode, RD
  answer[3] = REFUSED;
  answer.writeUInt16BE(hasQuestion ? 1 : 0, 4);
  if (hasQuestion) query.copy(answer, 12, 12, questionEnd);
  return answer;
}

export interface DnsSink {
  readonly udp: UdpSocket;
  readonly tcp: Server;
}

export function createDnsSink(onQuery: (name: string, client: string, transport: "udp" | "tcp") => void): DnsSink {
  const udp = createSocket("udp4");
  udp.on("message", (message, remote) => {
    onQuery(queryName(message), remote.address, "udp");
    const answer = refusedAnswer(message);
    if (answer) udp.send(answer, remote.port, remote.address);
  });
  udp.on("error", () => {});
  const tcp = createServer((socket) => {
    let buffered = Buffer.alloc(0);
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const message = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + message.length);
        onQuery(queryName(message), socket.remoteAddress ?? "?", "tcp");
        const answer = refusedAnswer(message);
        if (answer) socket.write(Buffer.concat([Buffer.from([answer.length >> 8, answer.length & 255]), answer]));
      }
      if (buffered.length > 65_537) socket.destroy();
    });
    socket.on("error", () => {});
  });
  return { udp, tcp };
}
