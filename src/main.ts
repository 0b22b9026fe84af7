#!/usr/bin/env bun
/** The entry point: read the host, run, exit with the code. Nothing else exits. */
import { run } from "./cli/run.ts";
import { currentHost, exitWith } from "./runtime/host.ts";
import { nodeFs } from "./runtime/node-fs.ts";
import { nodeRunner } from "./runtime/node-runner.ts";
import { fileLocks } from "./runtime/file-locks.ts";
import { httpProbe } from "./runtime/http-probe.ts";
import { untilTerminated, watchInterrupts } from "./runtime/interrupts.ts";
import { dockerApi } from "./runtime/docker-api.ts";
import { nodeProcesses } from "./runtime/processes.ts";

// No top-level await: the binary is compiled with --bytecode, which needs a plain module body.
const host = currentHost();
void run(host, { fs: nodeFs, runner: nodeRunner(host.env), locks: fileLocks, http: httpProbe, interrupts: watchInterrupts, terminated: untilTerminated, dockerApi: dockerApi(host.env), processes: nodeProcesses(host.selfBinary) }).then(exitWith);
