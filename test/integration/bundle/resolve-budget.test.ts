/** Names under wildcard rules: each new one resolved is audited with its name, and there is a budget. */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startBundle, rawExchange, STAND_IN } from "../../helpers/bundle.ts";
import { echoServer } from "../../helpers/servers.ts";

test("wildcard resolutions are budgeted per bundle and audited; exact names and known names are not limited", async () => {
  const port = await echoServer();
  const resolved: string[] = [];
  const bundle = await startBundle([`*.wild.test:${port}`, `exact.test:${port}`], {
    resolve: async (name) => {
      resolved.push(name);
      return [STAND_IN];
    },
    nameBudget: { burst: 2, perMinute: 0, rememberMs: 600_000, maxRemembered: 100 },
  });
  const connect = (host: string) => rawExchange(bundle.ports.proxy, `CONNECT ${host}:${port} HTTP/1.1\r\n\r\n`, /\r\n\r\n/);
  expect(await connect("a1.wild.test")).toStartWith("HTTP/1.1 200");
  expect(await connect("a2.wild.test")).toStartWith("HTTP/1.1 200");
  const refused = await connect("a3.wild.test");
  expect(refused).toStartWith("HTTP/1.1 429");
  expect(await connect("a1.wild.test")).toStartWith("HTTP/1.1 200");
  for (let i = 0; i < 5; i++) expect(await connect("exact.test")).toStartWith("HTTP/1.1 200");
  expect(resolved.filter((name) => name === "a3.wild.test")).toEqual([]);
  await bundle.audit.flushed();
  const lines = readFileSync(join(bundle.dir, "audit.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
  const resolves = lines.filter((event) => event.kind === "resolve").map((event) => `${event.host} ${event.decision} ${event.rule}`);
  expect(resolves).toEqual([`a1.wild.test allow *.wild.test:${port}`, `a2.wild.test allow *.wild.test:${port}`, "a3.wild.test deny resolve-budget"]);
  const status = JSON.parse((await bundle.supervise("GET", "/status")).body);
  expect(status.counters.resolveRefused).toBe(1);
});
