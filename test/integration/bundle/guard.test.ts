/**
 * The guard no rule can open, through the running bundle: its own networks (from the planned
 * subnet and from the interfaces it finds itself on), and what the agent and the host may ask of
 * supervise (POST /requests, POST /allow). Targets are recorded, never dialled, or servers this
 * test runs on loopback, where a broken guard shows up as a hit.
 */
import { expect, test } from "bun:test";
import { networkInterfaces } from "node:os";
import { Socket } from "node:net";
import { startBundle, rawExchange, STAND_IN } from "../../helpers/bundle.ts";
import { countingHttpServer } from "../../helpers/servers.ts";

function recordingDialer(record: string[]) {
  return (address: string, port: number) => {
    record.push(`${address}:${port}`);
    const socket = new Socket();
    queueMicrotask(() => socket.destroy(new Error("recording dialer: not dialled")));
    return socket;
  };
}

const connectTo = (port: number, target: string) => rawExchange(port, `CONNECT ${target} HTTP/1.1\r\n\r\n`);

test("the subnets of the bundle's interfaces stay closed under a rule naming them; the range next door opens", async () => {
  const dialled: string[] = [];
  const eth1 = [{ address: "10.77.0.2", cidr: "10.77.0.2/24", family: "IPv4" as const, netmask: "255.255.255.0", mac: "", internal: false }];
  const bundle = await startBundle(["10.0.0.0/8"], { dial: recordingDialer(dialled), interfaces: () => ({ eth1 }) });
  for (const target of ["10.77.0.1:22", "10.77.0.2:8890", "[::ffff:10.77.0.1]:80", "192.0.2.1:80"]) {
    const answer = await connectTo(bundle.ports.proxy, target);
    expect(answer).toStartWith("HTTP/1.1 403");
    expect(answer).toContain("the bundle's own network; no rule can admit it");
  }
  expect(dialled).toEqual([]);
  await connectTo(bundle.ports.proxy, "10.78.0.1:22");
  expect(dialled).toEqual(["10.78.0.1:22"]);
});

test("with the interfaces this process really has, each of their addresses is refused under 0.0.0.0/0", async () => {
  const addresses = Object.values(networkInterfaces()).flatMap((infos) => (infos ?? []).filter((info) => info.family === "IPv4").map((info) => info.address));
  expect(addresses).toContain("127.0.0.1");
  const dialled: string[] = [];
  const bundle = await startBundle(["0.0.0.0/0"], { dial: recordingDialer(dialled), interfaces: undefined });
  for (const address of addresses) expect(await connectTo(bundle.ports.proxy, `${address}:9`)).toStartWith("HTTP/1.1 403");
  expect(dialled).toEqual([]);
});

test("an approval cannot open loopback: the server listening there is never hit", async () => {
  const target = await countingHttpServer();
  const bundle = await startBundle([]);
  const refused = await bundle.supervise("POST", "/allow", { rule: "127.0.0.0/8", mode: "always" });
  expect(refused).toEqual({ status: 400, body: '{"error":"127.0.0.0/8 lies in 127.0.0.0/8 (loopback), which no rule can open"}\n' });
  expect((await bundle.supervise("POST", "/allow", { rule: "0.0.0.0/0", mode: "ttl", ttlSeconds: 60, force: true })).status).toBe(200);
  const get = (host: string) => rawExchange(bundle.ports.proxy, `GET http://${host}:${target.port}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  expect(await get("127.0.0.1")).toStartWith("HTTP/1.1 403");
  expect(target.hits()).toBe(0);
  // Control: the forced 0.0.0.0/0 does admit the stand-in address, which the helper dials on loopback.
  expect(await get(STAND_IN)).toStartWith("HTTP/1.1 200");
  expect(target.hits()).toBe(1);
});

test("POST /allow refuses a CIDR broader than a /16 unless forced, and says what it would expose", async () => {
  const bundle = await startBundle([]);
  const broad = await bundle.supervise("POST", "/allow", { rule: "10.0.0.0/8", mode: "once" });
  expect(broad.status).toBe(400);
  expect(JSON.parse(broad.body).error).toBe("10.0.0.0/8 is broader than a /16: it would expose 16,777,216 addresses, including 10.0.0.0/8 (private (RFC 1918)); send force to apply it anyway");
  expect((await bundle.supervise("POST", "/allow", { rule: "10.1.0.0/16", mode: "once" })).status).toBe(200);
  expect((await bundle.supervise("POST", "/allow", { rule: "10.0.0.0/8", mode: "once", force: true })).status).toBe(200);
});

test.each([
  ["0.0.0.0/0", "broader than a /16"],
  ["127.0.0.0/8", "no rule can open"],
  ["$(touch /tmp/x)", "is not"],
  ["evil.test;rm -rf", "is not a host name"],
  ["a".repeat(254), "expected {host"],
  ["host:99999", "bad port"],
  ["*.test", "not a wildcard"],
])("POST /requests refuses %p", async (host, message) => {
  const bundle = await startBundle([]);
  const answer = await bundle.supervise("POST", "/requests", { host, reason: "x" }, "");
  expect(answer.status).toBe(400);
  expect(JSON.parse(answer.body).error).toContain(message);
  expect(JSON.parse((await bundle.supervise("GET", "/requests")).body)).toEqual([]);
});

test("POST /requests takes a host, host:port, *.suffix or CIDR, and a body over the size limit is refused", async () => {
  const bundle = await startBundle([]);
  for (const host of ["pypi.org", "db.example.com:5432", "*.githubusercontent.com", "10.20.0.0/16"]) {
    expect((await bundle.supervise("POST", "/requests", { host, reason: "build" }, "")).status).toBe(202);
  }
  const listed = JSON.parse((await bundle.supervise("GET", "/requests")).body).map((r: { host: string; port: number }) => `${r.host} ${r.port}`);
  expect(listed).toEqual(["pypi.org 443", "db.example.com 5432", "*.githubusercontent.com 443", "10.20.0.0/16 443"]);
  const huge = await fetch(`http://127.0.0.1:${bundle.ports.supervise}/requests`, { method: "POST", body: JSON.stringify({ host: "x.test", reason: "r".repeat(5000) }) }).catch((error: Error) => error);
  expect(huge instanceof Error || huge.status === 400).toBe(true);
  expect(JSON.parse((await bundle.supervise("GET", "/requests")).body)).toHaveLength(4);
});

test("the host's own addresses from the config stay closed under a rule over their range; the rest of it opens", async () => {
  const dialled: string[] = [];
  const bundle = await startBundle(["172.17.0.0/16"], { dial: recordingDialer(dialled) }, { config: { hostAddresses: ["172.17.0.1/32"] } });
  const answer = await connectTo(bundle.ports.proxy, "172.17.0.1:8080");
  expect(answer).toStartWith("HTTP/1.1 403");
  expect(answer).toContain("no rule can admit it");
  expect(dialled).toEqual([]);
  await connectTo(bundle.ports.proxy, "172.17.0.9:8080");
  expect(dialled).toEqual(["172.17.0.9:8080"]);
});
