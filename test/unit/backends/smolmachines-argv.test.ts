import { describe, expect, test } from "bun:test";
import { machineCreateArgv, machineDeleteArgv, machineDataDirArgv, machineExecArgv, isSmolvmNotFound } from "../../../src/backends/smolmachines/argv.ts";
import { guestImagePath } from "../../../src/backends/smolmachines/guest-image.ts";
import { parseSmolvmVersion, smolvmFeatures, type Semver } from "../../../src/backends/smolmachines/version.ts";

const f = (version: string) => smolvmFeatures(parseSmolvmVersion(`smolvm ${version}`)!);
const input = { name: "m", imageArchive: "/c/i.tar", smolfilePath: "/s/Smolfile", dns: "192.168.5.2", cpus: 3, memoryMiB: 6144 };
const size = ["--cpus", "3", "--mem", "6144"];

describe("smolvm argv by version", () => {
  test.each([
    ["0.8.0", ["smolvm", "machine", "create", "m", "--image", "/c/i.tar", "--smolfile", "/s/Smolfile", ...size]],
    ["1.0.1", ["smolvm", "machine", "create", "m", "--image", "/c/i.tar", "--smolfile", "/s/Smolfile", ...size]],
    ["1.0.2", ["smolvm", "machine", "create", "--name", "m", "--image", "/c/i.tar", "--smolfile", "/s/Smolfile", ...size]],
    ["1.9.3", ["smolvm", "machine", "create", "--name", "m", "--image", "/c/i.tar", "--smolfile", "/s/Smolfile", ...size, "--dns", "192.168.5.2"]],
  ])("create on %s", (version, argv) => {
    expect(machineCreateArgv(f(version), input)).toEqual(argv);
  });

  test.each([
    ["0.8.0", ["smolvm", "machine", "delete", "m", "-f"], ["smolvm", "machine", "data-dir", "m"]],
    ["1.9.3", ["smolvm", "machine", "delete", "--name", "m", "-f"], ["smolvm", "machine", "data-dir", "--name", "m"]],
  ])("delete (always -f) and data-dir on %s", (version, del, dataDir) => {
    expect(machineDeleteArgv(f(version), "m")).toEqual(del);
    expect(machineDataDirArgv(f(version), "m")).toEqual(dataDir);
  });

  test.each(["0.8.0", "1.9.3"])("a kept home is one -v HOST:GUEST after the size on %s", (version) => {
    const argv = machineCreateArgv(f(version), { ...input, volumes: [{ host: "/h/kept-homes/web", guest: "/home/agent" }] });
    expect(argv.slice(argv.indexOf("6144") + 1, argv.indexOf("6144") + 3)).toEqual(["-v", "/h/kept-homes/web:/home/agent"]);
    expect(argv.filter((arg) => arg === "-v")).toHaveLength(1);
  });

  test("exec: --name always, flags before --", () => {
    expect(machineExecArgv({ name: "m", command: ["claude", "--help"], interactive: true, tty: true })).toEqual(["smolvm", "machine", "exec", "--name", "m", "-i", "-t", "--", "claude", "--help"]);
    expect(machineExecArgv({ name: "m", command: ["ls"], stream: true })).toEqual(["smolvm", "machine", "exec", "--name", "m", "--stream", "--", "ls"]);
    // attach: the agent command in the workspace clone, not the image's WORKDIR.
    expect(machineExecArgv({ name: "m", command: ["claude"], interactive: true, workdir: "/workspace" })).toEqual(["smolvm", "machine", "exec", "--name", "m", "-i", "-w", "/workspace", "--", "claude"]);
  });

  test("features by version", () => {
    expect(f("0.8.0")).toEqual({ nameFlag: false, deleteStops: false, localImageArchive: false, enforcedEgress: false, fromKeepsEgress: false, dnsFlag: false });
    expect(f("1.1.3")).toEqual({ nameFlag: true, deleteStops: true, localImageArchive: true, enforcedEgress: true, fromKeepsEgress: false, dnsFlag: false });
    expect(f("1.9.3")).toEqual({ nameFlag: true, deleteStops: true, localImageArchive: true, enforcedEgress: true, fromKeepsEgress: true, dnsFlag: true });
  });

  test("not-found messages of both generations are recognised", () => {
    expect(isSmolvmNotFound("Error: vm not found: m")).toBe(true);
    expect(isSmolvmNotFound("Machine 'm' not found or not running")).toBe(true);
    expect(isSmolvmNotFound("Error: kvm not available")).toBe(false);
  });
});

test.each([
  [[0, 8, 0], "refused"],
  [[1, 0, 2], "refused"],
  [[1, 1, 0], "archive"],
  [[1, 9, 3], "archive"],
] as [Semver, "archive" | "refused"][])("guest image path for %p is %s", (version, kind) => {
  expect(guestImagePath(version).kind).toBe(kind);
});

test.each([
  ["smolvm 1.9.3", [1, 9, 3]],
  ["smolvm 0.8.0\n", [0, 8, 0]],
  ["smolvm 1.10.0-beta", [1, 10, 0]],
  ["warning: x\nsmolvm 2.0.11", [2, 0, 11]],
] as [string, Semver][])("parses %p as %p", (text, version) => {
  expect(parseSmolvmVersion(text)).toEqual(version);
});

test.each(["", "smol 1.2.3", "smolvm one"])("refuses %p", (text) => {
  expect(parseSmolvmVersion(text)).toBeUndefined();
});
