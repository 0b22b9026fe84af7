/**
 * The SSRF guard without a packet leaving the machine: loopback spellings aimed at a server this
 * test runs (a broken guard shows up as a hit there), and private/metadata targets through a
 * recording dialer that never dials.
 */
import { expect, test } from "bun:test";
import { Socket } from "node:net";
import { startBundle, rawExchange, STAND_IN } from "../../helpers/bundle.ts";
import { countingHttpServer } from "../../helpers/servers.ts";

const LOOPBACK_SPELLINGS = ["127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0x7f.0.0.1", "0177.0.0.1", "017700000001", "127.255.255.254", "localhost"];

test("every loopback spelling is refused, for CONNECT and for absolute-URI requests", async () => {
  const target = await countingHttpServer();
  const bundle = await startBundle(["localhost", "*.example.com"], { resolve: async () => ["127.0.0.1"] });
  for (const host of LOOPBACK_SPELLINGS) {
    const port = target.port;
    const connect = await rawExchange(bundle.ports.proxy, `CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    expect(connect).toStartWith("HTTP/1.1 403");
    const get = await rawExchange(bundle.ports.proxy, `GET http://${host}:${port}/ HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect(get).toStartWith("HTTP/1.1 403");
  }
  expect(target.hits()).toBe(0);
});

test("[::1] and IPv4-mapped loopback are refused", async () => {
  const target = await countingHttpServer("::1");
  const bundle = await startBundle([]);
  for (const host of ["[::1]", "[::ffff:127.0.0.1]", "[0:0:0:0:0:0:0:1]"]) {
    const answer = await rawExchange(bundle.ports.proxy, `CONNECT ${host}:${target.port} HTTP/1.1\r\n\r\n`);
    expect(answer).toStartWith("HTTP/1.1 403");
  }
  expect(target.hits()).toBe(0);
});

test("a CIDR rule naming loopback does not open it; the control through the stand-in address does reach the server", async () => {
  const target = await countingHttpServer();
  const bundle = await startBundle(["127.0.0.0/8", "0.0.0.0/0", `${STAND_IN}/32`]);
  for (const host of LOOPBACK_SPELLINGS.filter((spelling) => spelling !== "localhost")) {
    const answer = await rawExchange(bundle.ports.proxy, `GET http://${host}:${target.port}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(answer).toStartWith("HTTP/1.1 403");
    expect(answer).toContain("no rule can admit it");
  }
  expect(target.hits()).toBe(0);
  const control = await rawExchange(bundle.ports.proxy, `GET http://${STAND_IN}:${target.port}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  expect(control).toStartWith("HTTP/1.1 200");
  expect(target.hits()).toBe(1);
});

function recordingDialer(record: string[]) {
  return (address: string, port: number) => {
    record.push(`${address}:${port}`);
    const socket = new Socket();
    queueMicrotask(() => socket.destroy(new Error("recording dialer: not dialled")));
    return socket;
  };
}

test.each([
  ["169.254.169.254", 80],
  ["100.100.100.200", 80],
  ["10.0.0.1", 443],
  ["172.20.0.5", 443],
  ["192.168.1.1", 80],
  ["100.64.0.1", 443],
  ["[fd00:ec2::254]", 80],
  ["0.0.0.0", 80],
])("%s is refused without being dialled", async (host, port) => {
  const dialled: string[] = [];
  const bundle = await startBundle(["*.example.com"], { dial: recordingDialer(dialled) });
  const answer = await rawExchange(bundle.ports.proxy, `CONNECT ${host}:${port} HTTP/1.1\r\n\r\n`);
  expect(answer).toStartWith("HTTP/1.1 403");
  expect(answer).toContain("ssrf-guard");
  expect(dialled).toEqual([]);
});

test("an allowed name that resolves to 10.x is refused; the same name with a CIDR rule is dialled at that address", async () => {
  const resolve = async () => ["10.1.2.3"];
  const refusedDials: string[] = [];
  const strict = await startBundle(["internal.example.com"], { resolve, dial: recordingDialer(refusedDials) });
  const refused = await rawExchange(strict.ports.proxy, "CONNECT internal.example.com:443 HTTP/1.1\r\n\r\n");
  expect(refused).toContain("internal.example.com resolves only to 10.1.2.3 (private (RFC 1918))");
  expect(refusedDials).toEqual([]);

  const admittedDials: string[] = [];
  const open = await startBundle(["internal.example.com", "10.1.0.0/16"], { resolve, dial: recordingDialer(admittedDials) });
  await rawExchange(open.ports.proxy, "CONNECT internal.example.com:443 HTTP/1.1\r\n\r\n");
  expect(admittedDials).toEqual(["10.1.2.3:443"]);
});

test("the address dialled is the address checked: a resolver that changes its answer cannot rebind", async () => {
  let calls = 0;
  const resolve = async () => (calls++ === 0 ? ["93.184.216.34"] : ["127.0.0.1"]);
  const dialled: string[] = [];
  const bundle = await startBundle(["flip.example.com"], { resolve, dial: recordingDialer(dialled) });
  await rawExchange(bundle.ports.proxy, "CONNECT flip.example.com:443 HTTP/1.1\r\n\r\n");
  expect(dialled).toEqual(["93.184.216.34:443"]);
  expect(calls).toBe(1);
});
