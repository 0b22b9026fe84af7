import { expect, test } from "bun:test";
import { ConfigError } from "../../../src/core/errors.ts";
import { createRegistry } from "../../../src/plugins/registry.ts";
import { smolmachines } from "../../../src/backends/smolmachines/index.ts";

test("a duplicate backend name fails loudly", () => {
  expect(() => createRegistry([smolmachines, { ...smolmachines }])).toThrow('Cannot register backend "smolmachines": the name is already taken');
});

test("an unknown backend names the known ones", () => {
  const registry = createRegistry([smolmachines]);
  expect(registry.get("smolmachines")).toBe(smolmachines);
  expect(() => registry.get("firecracker")).toThrow(ConfigError);
});
