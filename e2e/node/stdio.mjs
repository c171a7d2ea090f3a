// End-to-end check of the built server over stdio with clients nobody on this
// project wrote: the official MCP TypeScript SDK client (which validates every
// structuredContent against the tool's outputSchema once tools are listed) and
// a raw JSON-RPC handshake for each protocol version hosts still send.
//
// Usage: node e2e/node/stdio.mjs ./bin/entra-signin-mcp [server flags...]
// Prints one line per check and closes with "N passed, M failed".
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [bin, ...serverArgs] = process.argv.slice(2);
if (!bin) {
  console.error("usage: node stdio.mjs BINARY [server flags...]");
  process.exit(2);
}

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name}: ${err?.stack ?? err}`);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

// Raw handshake: one process per protocol version, initialize then tools/list.
async function handshake(version) {
  const child = spawn(bin, serverArgs, { stdio: ["pipe", "pipe", "pipe"] });
  const lines = createInterface({ input: child.stdout });
  const pending = new Map();
  lines.on("line", (line) => {
    const msg = JSON.parse(line);
    if (msg.id !== undefined && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
    }
  });
  let next = 1;
  const request = (method, params) =>
    new Promise((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => reject(new Error(`${method}: no answer in 10 s`)), 10000);
      pending.set(id, (msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
      child.stdin.write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n");
    });
  try {
    const init = await request("initialize", {
      protocolVersion: version,
      capabilities: {},
      clientInfo: { name: "e2e-raw", version: "1.0.0" },
    });
    assert(!init.error, `initialize error: ${JSON.stringify(init.error)}`);
    assert(init.result.protocolVersion === version, `asked ${version}, server chose ${init.result.protocolVersion}`);
    assert(init.result.serverInfo?.name === "entra-signin-mcp", `serverInfo ${JSON.stringify(init.result.serverInfo)}`);
    assert((init.result.instructions ?? "").includes("explain_error_code"), "instructions do not name explain_error_code");
    child.stdin.write(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) + "\n");
    const list = await request("tools/list", {});
    assert(list.result?.tools?.some((t) => t.name === "explain_error_code"), "tools/list lacks explain_error_code");
  } finally {
    child.stdin.end();
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve();
      }, 5000);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  }
  assert(child.exitCode === 0, `server exited ${child.exitCode} after stdin closed`);
}

for (const version of ["2025-11-25", "2025-06-18", "2025-03-26"]) {
  await check(`initialize with protocol ${version}, clean exit on stdin EOF`, () => handshake(version));
}

// The SDK client: lists tools (arming its output-schema validation), then
// calls every tool with good and bad input.
// The server gets this process's environment (GRAPH_ACCESS_TOKEN for --auth token).
const transport = new StdioClientTransport({ command: bin, args: serverArgs, env: { ...process.env }, stderr: "ignore" });
const client = new Client({ name: "e2e-sdk", version: "1.0.0" });
await client.connect(transport);

let tools = [];
await check("tools/list: every tool read-only with both schemas", async () => {
  tools = (await client.listTools()).tools;
  assert(tools.length > 0, "no tools");
  for (const t of tools) {
    assert(t.inputSchema?.type === "object", `${t.name}: inputSchema`);
    assert(t.outputSchema?.type === "object", `${t.name}: outputSchema`);
    assert(t.annotations?.readOnlyHint === true && t.annotations?.destructiveHint === false, `${t.name}: annotations`);
  }
});

// Good calls per tool; the SDK throws if structuredContent violates the schema.
// Calls that need an ID take it from an earlier search.
let firstRow;
const goodCalls = {
  diagnose_signin_failures: [
    {},
    { since: "3650d" },
    () => ({ user: firstRow.user ?? firstRow.app, since: "3650d" }),
    () => ({ correlationId: firstRow.correlationId, since: "3650d" }),
    () => (firstRow.ipAddress ? { ipAddress: firstRow.ipAddress, since: "3650d" } : { since: "7d" }),
    { since: "3650d", signInTypes: ["servicePrincipal", "managedIdentity"] },
  ],
  search_failed_signins: [
    {},
    { since: "7d", limit: 5 },
    { since: "7d", includeInterrupts: true, limit: 200 },
    { since: "7d", signInTypes: ["servicePrincipal", "managedIdentity"] },
  ],
  get_signin_details: [() => ({ id: firstRow.id }), () => ({ correlationId: firstRow.correlationId })],
  explain_error_code: [
    { code: 50053 },
    { code: "AADSTS50126" },
    { code: 50140 },
    { code: 53999 },
    { code: 0 },
    {
      code: "AADSTS700016: Application with identifier 'x' was not found. Trace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333 Correlation ID: aaaa0000-bb11-2222-33cc-444444dddddd Timestamp: 2025-01-09 02:02:12Z",
    },
  ],
};
const badCalls = {
  diagnose_signin_failures: [
    { user: "a@example.com", app: "b" },
    { since: "5x" },
    { since: "1h", until: "2h" },
    { signInTypes: ["batch"] },
    { ipAddress: "not-an-ip" },
    { correlationId: "not-a-guid" },
    { subject: "rosa" },
  ],
  search_failed_signins: [{ limit: 0 }, { limit: 201 }, { since: "1h", until: "2h" }, { signInTypes: ["batch"] }, { since: "5x" }, { cursor: "abc" }],
  get_signin_details: [{}, { id: "no-such-sign-in" }, { id: "a", correlationId: "b" }],
  explain_error_code: [{ code: -1 }, { code: "" }, { code: "no code here" }, { code: 12345678901 }, { code: true }, {}],
};

await check("every tool has good and bad cases here", async () => {
  for (const t of tools) {
    assert(goodCalls[t.name] && badCalls[t.name], `no e2e cases for ${t.name}`);
  }
});

await check("search finds failures and stays within 8 KB", async () => {
  const res = await client.callTool({ name: "search_failed_signins", arguments: { since: "3650d" } });
  assert(!res.isError, JSON.stringify(res.content));
  const sc = res.structuredContent;
  assert(sc.signIns.length > 0 && sc.groups.length > 0, "no failures found");
  const counted = (l) => l.every((v) => typeof v.value === "string" && Number.isInteger(v.count) && v.count > 0);
  assert(sc.groups.every((g) => counted(g.users) && counted(g.apps) && counted(g.topIps)), "group users, apps and topIps are not {value, count} lists");
  assert(JSON.stringify(res).length <= 8192, `answer is ${JSON.stringify(res).length} bytes`);
  firstRow = sc.signIns[0];
});

await check("tenant triage over the whole source stays within 8 KB with a verdict and ranked findings", async () => {
  const res = await client.callTool({ name: "diagnose_signin_failures", arguments: { since: "3650d" } });
  assert(!res.isError, JSON.stringify(res.content));
  const sc = res.structuredContent;
  assert(sc.subject.kind === "tenant" && sc.verdict.length > 0, `subject ${JSON.stringify(sc.subject)}`);
  assert(sc.findings.length > 0 && sc.findings.every((f) => /^[a-z]+(-[a-z]+)*$/.test(f.scenario)), "findings and scenario ids");
  assert(JSON.stringify(res).length <= 8192, `answer is ${JSON.stringify(res).length} bytes`);
});

for (const [name, cases] of Object.entries(goodCalls)) {
  for (const c of cases) {
    await check(`${name} ${typeof c === "function" ? c.toString().slice(6, 50) : JSON.stringify(c).slice(0, 60)}: valid structured result`, async () => {
      const args = typeof c === "function" ? c() : c;
      const res = await client.callTool({ name, arguments: args });
      assert(!res.isError, `tool error: ${JSON.stringify(res.content)}`);
      assert(res.structuredContent && typeof res.structuredContent === "object", "no structuredContent");
      assert(res.content?.[0]?.type === "text" && res.content[0].text.length > 0, "no text summary");
    });
  }
}
for (const [name, cases] of Object.entries(badCalls)) {
  for (const args of cases) {
    await check(`${name} ${JSON.stringify(args)}: tool error saying what is accepted`, async () => {
      const res = await client.callTool({ name, arguments: args });
      assert(res.isError === true, `expected isError, got ${JSON.stringify(res)}`);
      assert(/accepted|give|want|must|pass/i.test(res.content?.[0]?.text ?? ""), `message does not say what is accepted: ${res.content?.[0]?.text}`);
    });
  }
}

await check("resources: catalog, one entry, guide", async () => {
  const cat = await client.readResource({ uri: "entra-signin://catalog" });
  const body = JSON.parse(cat.contents[0].text);
  assert(Array.isArray(body.entries) && body.entries.length >= 345, `catalog has ${body.entries?.length} entries`);
  const one = await client.readResource({ uri: "entra-signin://catalog/50053" });
  assert(one.contents.length === 2 && one.contents[0].mimeType === "text/markdown", "entry: markdown then JSON");
  assert(JSON.parse(one.contents[1].text).code === 50053, "entry JSON code");
  const guide = await client.readResource({ uri: "entra-signin://guide" });
  assert(guide.contents[0].text.includes("explain_error_code"), "guide does not mention explain_error_code");
});

await check("completion of the catalog code by prefix", async () => {
  const res = await client.complete({
    ref: { type: "ref/resource", uri: "entra-signin://catalog/{code}" },
    argument: { name: "code", value: "5300" },
  });
  const values = res.completion.values;
  assert(values.length > 0 && values.every((v) => v.startsWith("5300")), `values ${values}`);
});

await check("prompts: list, troubleshoot_signin, draft_escalation, completion of user", async () => {
  const list = await client.listPrompts();
  const names = list.prompts.map((p) => p.name).sort().join(",");
  assert(names === "draft_escalation,troubleshoot_signin", `prompts ${names}`);
  const t = await client.getPrompt({ name: "troubleshoot_signin", arguments: { user: firstRow.user ?? "x" } });
  assert(t.messages[0].content.text.includes("1. Call diagnose_signin_failures"), "troubleshoot prompt does not call diagnose_signin_failures first");
  const e = await client.getPrompt({ name: "draft_escalation", arguments: { signInId: firstRow.id, audience: "helpdesk" } });
  assert(e.messages[0].content.text.includes(`Request ID: ${JSON.stringify(firstRow.id)}`), "escalation lacks the request ID");
  assert(/Diagnosis \(diagnose_signin_failures/.test(e.messages[0].content.text), "escalation lacks the diagnosis");
  assert(/Last success before the failures: /.test(e.messages[0].content.text), "escalation lacks lastSuccess");
  const users = await client.complete({ ref: { type: "ref/prompt", name: "troubleshoot_signin" }, argument: { name: "user", value: "" } });
  assert(users.completion.values.length > 0, "no users completed");
});

await client.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
