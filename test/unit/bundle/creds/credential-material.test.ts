import { expect, test } from "bun:test";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import { createCa } from "../../../../src/bundle/bundle-ca.ts";
import { bundleMaterial, resolveCredentials, sentinelsFor, writeMaterial } from "../../../../src/bundle/credential-material.ts";
import { loadMaterial, NO_MATERIAL } from "../../../../src/bundle/serve/creds/material.ts";
import type { CredentialSpec } from "../../../../src/core/credentials.ts";
import type { BottleError } from "../../../../src/core/errors.ts";
import { nodeFs } from "../../../../src/runtime/node-fs.ts";
import { nodeRunner } from "../../../../src/runtime/node-runner.ts";
import { tempDir } from "../../../helpers/cli.ts";

const spec = (name: string, source: CredentialSpec["source"], hosts = ["api.test"]): CredentialSpec => ({ name, source, hosts, header: "x-api-key", schemes: [] });
const deps = (env: Record<string, string> = {}, userHome = "/nonexistent") => ({ env, fs: nodeFs, runner: nodeRunner({ PATH: process.env["PATH"] }), userHome });

test("values come from the host's env, a file under ~ and a command; one trailing newline is dropped", async () => {
  const home = tempDir("creds-home");
  writeFileSync(join(home, "key"), "from-file-value\n", { mode: 0o600 });
  const values = await resolveCredentials([
    spec("A", { kind: "env", name: "HOST_A" }),
    spec("B", { kind: "file", path: "~/key" }),
    spec("C", { kind: "command", argv: ["printf", "from-command\\n"] }),
  ], deps({ HOST_A: "from-env" }, home));
  expect([...values]).toEqual([["A", "from-env"], ["B", "from-file-value"], ["C", "from-command"]]);
});

test("every unresolvable credential is named in one error, exit 69, and no value or stdout is shown", async () => {
  const error = await resolveCredentials([
    spec("A", { kind: "env", name: "NOT_SET" }),
    spec("B", { kind: "file", path: "/nonexistent/key" }),
    spec("C", { kind: "command", argv: ["sh", "-c", "echo half-a-SECRET; echo op: not signed in >&2; exit 3"] }),
    spec("D", { kind: "command", argv: ["no-such-program-here"] }),
    spec("E", { kind: "env", name: "SPACED" }),
  ], deps({ SPACED: "two words" })).catch((e: BottleError) => e);
  expect((error as BottleError).exitCode).toBe(69);
  expect((error as BottleError).message).toBe(`Cannot resolve 5 credentials:
  A from environment variable NOT_SET: NOT_SET is not set
  B from file /nonexistent/key: /nonexistent/key does not exist
  C from command "sh -c echo half-a-SECRET; echo op: not signed in >&2; exit 3": exited with code 3: op: not signed in
  D from command "no-such-program-here": no-such-program-here is not installed or not on PATH
  E from environment variable SPACED: the value is empty or holds spaces or control characters`);
  expect((error as BottleError).message).not.toContain("two words");
  expect((error as BottleError).hint).toContain("export NOT_SET=");
});

test("material: sentinels shaped by the values, a leaf per credential and inspect host, 0600, read back by the bundle", async () => {
  const specs = [spec("ANTHROPIC_API_KEY", { kind: "env", name: "K" }, ["api.anthropic.test"])];
  const values = new Map([["ANTHROPIC_API_KEY", `sk-ant-api03-${"r".repeat(90)}AA`]]);
  const sentinels = sentinelsFor(specs, values, "seed");
  expect(sentinels["ANTHROPIC_API_KEY"]).toStartWith("sk-ant-api03-");
  expect(sentinels["ANTHROPIC_API_KEY"]).toHaveLength(values.get("ANTHROPIC_API_KEY")!.length);
  const ca = await createCa("material");
  const material = bundleMaterial({ specs, values, sentinels, inspect: ["inspect.test"], ca, upstreamCa: ["PEM"] });
  expect(Object.keys(material.leaves)).toEqual(["api.anthropic.test", "inspect.test"]);
  expect(new X509Certificate(material.leaves["inspect.test"]!.cert).checkHost("inspect.test")).toBe("inspect.test");
  expect(JSON.stringify(material)).not.toContain(ca.privateKey.split("\n")[1]!);
  const dir = tempDir("material");
  await writeMaterial(nodeFs, dir, material);
  expect(statSync(join(dir, "credentials.json")).mode & 0o777).toBe(0o600);
  expect(await loadMaterial(nodeFs, join(dir, "credentials.json"))).toEqual(material);
  expect(await loadMaterial(nodeFs, join(dir, "absent.json"))).toEqual(NO_MATERIAL);
  writeFileSync(join(dir, "bad.json"), JSON.stringify({ ...material, credentials: [{ name: "X" }] }));
  const error = await loadMaterial(nodeFs, join(dir, "bad.json")).catch((e: Error) => e.message);
  expect(error).toContain("bad credentials.0.");
  expect(error).not.toContain("sk-ant");
});

test("a *.suffix inspect entry: no leaf at up, the suffix listed, and only then the CA key in the 0600 material", async () => {
  const ca = await createCa("wild");
  const base = { specs: [], values: new Map<string, string>(), sentinels: {}, ca, upstreamCa: [] };
  const wild = bundleMaterial({ ...base, inspect: ["exact.test", "*.wild.test"] });
  expect([Object.keys(wild.leaves), wild.wildcards, wild.ca]).toEqual([["exact.test"], [".wild.test"], { cert: ca.certificate, key: ca.privateKey }]);
  expect(bundleMaterial({ ...base, inspect: ["exact.test"] })).not.toContainKey("ca");
  const dir = tempDir("wild");
  await writeMaterial(nodeFs, dir, wild);
  expect(statSync(join(dir, "credentials.json")).mode & 0o777).toBe(0o600);
  expect(await loadMaterial(nodeFs, join(dir, "credentials.json"))).toEqual(wild);
});
