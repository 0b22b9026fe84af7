/** A DNS flood against the running bundle leaves a few aggregated lines, and every query counted. */
import { expect, test } from "bun:test";
import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startBundle } from "../../helpers/bundle.ts";
import { dnsQuery } from "../../helpers/dns.ts";

test("400 queries for 100 names: 5 names listed, repeats summed, the rest in one line; counts add up", async () => {
  const bundle = await startBundle([], { dnsAggregate: { windowMs: 3_600_000, maxNames: 5 } });
  const udp = createSocket("udp4");
  for (let i = 0; i < 400; i++) {
    // One at a time, each answered before the next: the sink has taken it when the answer arrives.
    await new Promise<void>((resolve) => {
      udp.once("message", () => resolve());
      udp.send(dnsQuery(`x${i % 100}.exfil.test`), bundle.ports.dns!, "127.0.0.1");
    });
  }
  udp.close();
  await bundle.close(); // ends the window
  const lines = readFileSync(join(bundle.dir, "audit.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
  expect(lines.length).toBe(11);
  expect(lines.every((line) => line.kind === "dns" && line.decision === "refused")).toBe(true);
  expect(lines.slice(0, 5).map((line) => `${line.host} ${line.count}`)).toEqual(["x0.exfil.test 1", "x1.exfil.test 1", "x2.exfil.test 1", "x3.exfil.test 1", "x4.exfil.test 1"]);
  expect(lines.slice(5, 10).map((line) => `${line.host} ${line.count}`)).toEqual(["x0.exfil.test 3", "x1.exfil.test 3", "x2.exfil.test 3", "x3.exfil.test 3", "x4.exfil.test 3"]);
  expect(lines[10]).toMatchObject({ host: "(unlisted)", count: 380, reason: "380 queries for 95 more names within 3600 s, beyond the 5 listed" });
  expect(lines.reduce((sum, line) => sum + line.count, 0)).toBe(400);
});
