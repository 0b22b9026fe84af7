/** Hostile input for the pkt-line reader and the receive-pack command parser. */
import { describe, expect, test } from "bun:test";
import { concatBytes, FLUSH, pkt, readPkt, sideBand } from "../../../../src/bundle/serve/gate/pkt-line.ts";
import { MAX_COMMANDS, parseReceiveRequest, ZERO_ID } from "../../../../src/bundle/serve/gate/receive-request.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const ONE = "1".repeat(40);

describe("readPkt", () => {
  test.each([
    ["", { ok: true, pkt: undefined, next: 0 }],
    ["00", { ok: true, pkt: undefined, next: 0 }],
    ["0000", { ok: true, pkt: { kind: "flush" }, next: 4 }],
    ["0009hello", { ok: true, pkt: { kind: "data", payload: bytes("hello") }, next: 9 }],
    ["0009hel", { ok: true, pkt: undefined, next: 0 }],
    ["0004", { ok: true, pkt: { kind: "data", payload: bytes("") }, next: 4 }],
    ["0001", { ok: false, reason: "unexpected special pkt-line 0001" }],
    ["0003", { ok: false, reason: "unexpected special pkt-line 0003" }],
    ["fff1", { ok: false, reason: "pkt-line of 65521 bytes is over the 65520 limit" }],
    ["ffff", { ok: false, reason: "pkt-line of 65535 bytes is over the 65520 limit" }],
    ["00G9", { ok: false, reason: 'bad pkt-line length "00G9"' }],
    ["00A9", { ok: false, reason: 'bad pkt-line length "00A9"' }],
    [" 009", { ok: false, reason: 'bad pkt-line length " 009"' }],
    ["-009", { ok: false, reason: 'bad pkt-line length "-009"' }],
  ])("%j", (input, expected) => {
    expect(readPkt(bytes(input), 0)).toEqual(expected as never);
  });

  test("pkt() frames and refuses what cannot be framed", () => {
    expect(new TextDecoder().decode(pkt("a\n"))).toBe("0006a\n");
    expect(() => pkt(new Uint8Array(65517))).toThrow(RangeError);
    expect(pkt(new Uint8Array(65516)).length).toBe(65520);
  });

  test("side-band splits a long report into packets within the limit", () => {
    const data = new Uint8Array(70_000).fill(65);
    const framed = sideBand(1, data);
    const first = readPkt(framed, 0);
    const second = first.ok && first.pkt ? readPkt(framed, first.next) : undefined;
    expect(first.ok && first.pkt?.kind === "data" && first.pkt.payload.length).toBe(65516);
    expect(second?.ok && second.pkt?.kind === "data" && second.pkt.payload.length).toBe(70_000 - 65515 + 1);
  });
});

describe("parseReceiveRequest", () => {
  const command = (ref: string, caps?: string) => pkt(`${ZERO_ID} ${ONE} ${ref}${caps === undefined ? "" : `\0${caps}`}\n`);

  test("commands, capabilities and where the pack starts", () => {
    const body = concatBytes([command("refs/heads/claude/a", "report-status side-band-64k atomic agent=git/2.39.5"), command("refs/heads/claude/b"), FLUSH, bytes("PACK")]);
    expect(parseReceiveRequest(body)).toEqual({
      state: "done",
      request: {
        commands: [
          { oldId: ZERO_ID, newId: ONE, ref: "refs/heads/claude/a" },
          { oldId: ZERO_ID, newId: ONE, ref: "refs/heads/claude/b" },
        ],
        capabilities: ["report-status", "side-band-64k", "atomic", "agent=git/2.39.5"],
        packOffset: body.length - 4,
      },
    });
  });

  test("a lone flush is the probe; incomplete input asks for more at every cut", () => {
    expect(parseReceiveRequest(FLUSH)).toEqual({ state: "probe" });
    const body = concatBytes([command("refs/heads/claude/a", "report-status"), FLUSH]);
    for (let cut = 0; cut < body.length; cut++) expect(parseReceiveRequest(body.subarray(0, cut)).state).toBe("more");
    expect(parseReceiveRequest(body).state).toBe("done");
  });

  test.each([
    ["a flush followed by data", concatBytes([FLUSH, bytes("PACK")]), "no commands before the pack"],
    ["short ids", pkt(`${ZERO_ID.slice(1)} ${ONE} refs/heads/x\n`), "malformed command"],
    ["upper-case ids", pkt(`${ONE.toUpperCase().replace(/1/g, "A")} ${ONE} refs/heads/x\n`), "malformed command"],
    ["no ref", pkt(`${ZERO_ID} ${ONE}\n`), "malformed command"],
    ["capabilities on a later line", concatBytes([command("refs/heads/a", "report-status"), command("refs/heads/b", "atomic")]), "capabilities after the first command"],
    ["an unadvertised capability", command("refs/heads/a", "report-status delete-refs"), 'capability "delete-refs" was not advertised'],
    ["push certificates", command("refs/heads/a", "push-cert=123"), 'capability "push-cert=123" was not advertised'],
    ["a shallow line", pkt(`shallow ${ONE}\n`), "shallow pushes are not supported"],
    ["invalid UTF-8", pkt(new Uint8Array([0xff, 0xfe, 0x20])), "command line is not UTF-8"],
    ["a bad length", bytes("zz00"), 'bad pkt-line length "zz00"'],
  ])("refuses %s", (_name, body, reason) => {
    const parsed = parseReceiveRequest(body);
    expect(parsed.state).toBe("error");
    expect(parsed.state === "error" && parsed.reason).toStartWith(reason);
  });

  test("refuses more commands than the limit", () => {
    const lines = Array.from({ length: MAX_COMMANDS + 1 }, (_, index) => command(`refs/heads/claude/${index}`, index === 0 ? "" : undefined));
    expect(parseReceiveRequest(concatBytes([...lines, FLUSH]))).toEqual({ state: "error", reason: `more than ${MAX_COMMANDS} ref updates in one push` });
  });

  test("refuses a command section that never ends", () => {
    const filler = Array.from({ length: 300 }, () => pkt(`${"x".repeat(1000)}`));
    const parsed = parseReceiveRequest(concatBytes([command("refs/heads/a", ""), ...filler]));
    expect(parsed.state).toBe("error");
  });
});
