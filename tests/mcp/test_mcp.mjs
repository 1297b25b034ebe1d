// test_mcp.mjs - `lockfs mcp` driven by the official MCP TypeScript SDK
// client (Client + StdioClientTransport), and by raw JSON-RPC lines.
//
// Plays the basic scenarios with one of the two instances an MCP
// client (a Claude Desktop chat): two instances, wait and hand-off, stale
// override, clear all, CLI + Desktop concurrency (with a mount user when
// FUSE works), and locks that do not outlive their holder.  Then bad
// input: every malformed line is answered and the server lives on.
//
// Environment: LOCKFS (the binary), LOCKFS_REQUIRE_FUSE=1 to fail rather
// than skip the mount part.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const LOCKFS = process.env.LOCKFS;
assert.ok(LOCKFS, "set LOCKFS to the lockfs binary");

const T = fs.mkdtempSync(path.join(os.tmpdir(), "lockfs-mcp-"));
const P = path.join(T, "book");
fs.mkdirSync(P);
const STORE = path.join(P, ".locks", "locks.json");
const cleanups = [];

// The environment without any instance variables: each party names itself.
function baseEnv(extra = {}) {
	const env = { ...process.env, TZ: "UTC" };
	for (const k of ["LOCKFS_INSTANCE", "LOCKFS_FORCE", "CLAUDE_CODE_SESSION_ID",
		"CLAUDE_CODE_ENTRYPOINT", "CODEX_THREAD_ID"])
		delete env[k];
	return { ...env, ...extra };
}

// lockfs as a command-line instance: { status, stdout, stderr }.
function cli(instance, ...args) {
	const r = spawnSync(LOCKFS, ["-C", P, ...args], {
		env: baseEnv(instance ? { LOCKFS_INSTANCE: instance } : {}),
		encoding: "utf8",
	});
	return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// The same in the background: a promise of its result.
function cliAsync(instance, ...args) {
	return new Promise((resolve) => {
		const c = spawn(LOCKFS, ["-C", P, ...args], {
			env: baseEnv({ LOCKFS_INSTANCE: instance }),
		});
		let stdout = "", stderr = "";
		c.stdout.on("data", (d) => (stdout += d));
		c.stderr.on("data", (d) => (stderr += d));
		c.on("close", (status) => resolve({ status, stdout, stderr }));
	});
}

function store() {
	return JSON.parse(fs.readFileSync(STORE, "utf8")).locks;
}

function holder(resource) {
	return store().filter((l) => l.resource === resource).map((l) => l.instance).join(",");
}

function status() {
	return JSON.parse(cli(null, "status", "--json").stdout);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// An MCP client connected to `lockfs mcp`, as Claude Desktop would start it.
async function connect({ name = "claude-ai", env = {}, args = ["-C", P, "mcp"], cwd } = {}) {
	const transport = new StdioClientTransport({
		command: LOCKFS, args, env: baseEnv(env), cwd, stderr: "pipe",
	});
	const client = new Client({ name, version: "1.0.0" });
	await client.connect(transport);
	cleanups.push(() => client.close().catch(() => {}));
	return { client, transport };
}

async function call(client, name, args, opts) {
	return client.callTool({ name, arguments: args }, undefined, opts);
}

function text(r) {
	return r.content.map((c) => c.text).join("\n");
}

async function scenarios() {
	assert.equal(cli(null, "init").status, 0);
	const { client, transport } = await connect();

	// --- the tools ---
	const { tools } = await client.listTools();
	assert.deepEqual(tools.map((t) => t.name).sort(), ["lock_acquire", "lock_check",
		"lock_clear", "lock_release", "lock_renew", "lock_status"]);
	const acquire = tools.find((t) => t.name === "lock_acquire");
	assert.deepEqual(acquire.inputSchema.required, ["resources"]);
	assert.equal(acquire.inputSchema.properties.resources.type, "array");
	assert.equal(acquire.inputSchema.properties.wait_seconds.type, "number");
	assert.equal(acquire.inputSchema.properties.project.type, "string");
	assert.deepEqual(tools.find((t) => t.name === "lock_check").inputSchema.required,
		["resource", "token"]);
	assert.equal(client.getServerVersion().name, "lockfs");

	// --- 1. two instances: different chapters both, the same one refused ---
	let r = await call(client, "lock_acquire", { resources: ["Chapter_01", "Chapter_02"], note: "rewriting" });
	assert.equal(r.isError, false, text(r));
	const me = r.structuredContent.instance;
	assert.match(me, /^Desktop-[0-9a-f]{8}$/, "Claude Desktop's label");
	assert.match(text(r), /^Chapter_01 token \d+ acquired\nChapter_02 token \d+ acquired$/);
	const t1 = r.structuredContent.locks[0].token;
	assert.equal(holder("Chapter_01"), me);
	assert.equal(store().find((l) => l.resource === "Chapter_01").pid, transport.pid,
		"the server process is the holder");

	let c = cli("CLI-12345", "acquire", "Chapter_02");
	assert.equal(c.status, 1);
	assert.match(c.stderr, new RegExp(`Chapter_02 is held by ${me} since`));
	assert.equal(cli("CLI-12345", "acquire", "Chapter_03").status, 0);
	r = await call(client, "lock_acquire", { resources: ["Chapter_03", "Chapter_04"] });
	assert.equal(r.isError, true);
	assert.equal(r.structuredContent.exit_code, 1);
	assert.match(text(r), /^Chapter_03 is held by CLI-12345 since \d\d:\d\d \(\d+ s ago\)$/m);
	assert.match(text(r), /Nothing was taken\.  Choices: wait/);
	assert.equal(holder("Chapter_04"), "", "all or none");
	const refused = r.structuredContent.locks.find((l) => l.resource === "Chapter_03");
	assert.equal(refused.holder, "CLI-12345");
	assert.equal(refused.stale, false);

	// the same words as the command line for a mistyped name
	r = await call(client, "lock_acquire", { resources: ["chapter_3"] });
	assert.equal(r.isError, true);
	assert.equal(r.structuredContent.exit_code, 2);
	assert.match(text(r), /did you mean Chapter_03\?/);

	r = await call(client, "lock_check", { resource: "Chapter_01", token: t1 });
	assert.equal(r.isError, false, text(r));
	assert.equal(text(r), `Chapter_01 token ${t1} holds the lock (live)`);
	r = await call(client, "lock_check", { resource: "Chapter_01", token: t1 + 1000 });
	assert.equal(r.isError, true);
	r = await call(client, "lock_renew", { resources: ["Chapter_01"] });
	assert.equal(r.isError, false, text(r));
	assert.match(text(r), new RegExp(`^Chapter_01 token ${t1} renewed$`));
	r = await call(client, "lock_renew", { resources: ["Chapter_03"] });
	assert.equal(r.isError, true);
	assert.match(text(r), /Chapter_03 is held by CLI-12345/);

	// --- 2. wait and hand-off, both ways ---
	const progress = [];
	setTimeout(() => cli("CLI-12345", "release", "Chapter_03"), 1500);
	const start = Date.now();
	r = await call(client, "lock_acquire", { resources: ["Chapter_03"], wait_seconds: 30 },
		{ onprogress: (p) => progress.push(p), timeout: 60000 });
	const took = Date.now() - start;
	assert.equal(r.isError, false, text(r));
	assert.ok(took >= 1400 && took < 5000, `hand-off took ${took} ms`);
	assert.ok(progress.length >= 1, "progress while waiting");
	assert.equal(progress[0].total, 30);
	assert.match(progress[0].message, /Chapter_03 is held by CLI-12345/);
	assert.equal(holder("Chapter_03"), me);

	const waiter = cliAsync("CLI-12345", "acquire", "--wait", "30", "Chapter_02");
	await sleep(800);
	r = await call(client, "lock_release", { resources: ["Chapter_02"] });
	assert.equal(r.isError, false, text(r));
	assert.equal(text(r), "Chapter_02 released");
	c = await waiter;
	assert.equal(c.status, 0, c.stderr);
	assert.equal(holder("Chapter_02"), "CLI-12345");

	// a wait that runs out
	r = await call(client, "lock_acquire", { resources: ["Chapter_02"], wait_seconds: 0.5 });
	assert.equal(r.isError, true);
	assert.match(text(r), /^gave up after 0\.5 s: Chapter_02 is held by CLI-12345/);

	// a cancelled wait stops and takes nothing; the server goes on
	const ac = new AbortController();
	const pending = call(client, "lock_acquire", { resources: ["Chapter_02"], wait_seconds: 60 },
		{ signal: ac.signal, timeout: 90000 });
	await sleep(500);
	ac.abort("the user changed their mind");
	await assert.rejects(pending);
	await sleep(300);
	assert.equal(cli("CLI-12345", "release", "Chapter_02").status, 0);
	await sleep(1000);
	assert.equal(holder("Chapter_02"), "", "a cancelled wait took the lock");
	await client.ping();

	// --- 3. stale override ---
	const doc = JSON.parse(fs.readFileSync(STORE, "utf8"));
	doc.locks.push({ resource: "Chapter_08", timestamp: "2020-01-01T00:00:00Z", instance: "CLI-crashed" });
	fs.writeFileSync(STORE, JSON.stringify(doc));
	r = await call(client, "lock_acquire", { resources: ["Chapter_08"], wait_seconds: 20 });
	assert.equal(r.isError, true, "a stale lock is not waited out");
	assert.equal(r.structuredContent.exit_code, 4);
	assert.match(text(r), /Chapter_08 is held by CLI-crashed since .*, but that lock is stale \(not renewed within the stale timeout\); force: true overrides it/);
	r = await call(client, "lock_acquire", { resources: ["Chapter_08"], force: true });
	assert.equal(r.isError, false, text(r));
	assert.match(text(r), /^Chapter_08 token \d+ taken over from CLI-crashed/);
	assert.equal(r.structuredContent.locks[0].action, "take-over");
	assert.equal(holder("Chapter_08"), me);

	// --- 5. CLI + Desktop concurrency, with a mount user ---
	await mountUser(client, me);

	// --- 4. clear all (stale only, then all) ---
	doc.locks = store();
	doc.locks.push({ resource: "Chapter_09", timestamp: "2020-01-01T00:00:00Z", instance: "CLI-crashed" });
	fs.writeFileSync(STORE, JSON.stringify(doc));
	r = await call(client, "lock_clear", { stale_only: true });
	assert.equal(r.isError, false, text(r));
	assert.equal(text(r), "cleared 1 stale lock");
	assert.ok(store().length > 0);
	r = await call(client, "lock_clear", {});
	assert.match(text(r), /^cleared \d+ locks?$/);
	assert.deepEqual(store(), []);
	r = await call(client, "lock_status", {});
	assert.match(text(r), /No active locks\./);
	assert.deepEqual(r.structuredContent.locks, []);
	assert.match(fs.readFileSync(path.join(P, ".locks", "events.log"), "utf8"), /"event":"clear"/);

	// --- 6. no lock outlives its holder ---
	// A CLI command that fails under `lockfs run` leaves its lock free for
	// the chat; killing the server leaves the chat's locks holder-exited.
	c = cli("CLI-12345", "run", "Chapter_10", "--", "sh", "-c", "exit 3");
	assert.equal(c.status, 3);
	r = await call(client, "lock_acquire", { resources: ["Chapter_10"] });
	assert.equal(r.isError, false, text(r));
	let s = status().find((l) => l.resource === "Chapter_10");
	assert.equal(s.stale, false);
	process.kill(transport.pid, "SIGKILL");
	for (let i = 0; i < 100 && !status().find((l) => l.resource === "Chapter_10").stale; i++)
		await sleep(50);
	s = status().find((l) => l.resource === "Chapter_10");
	assert.equal(s.stale_reason, "holder-exited", "a killed server's lock");
	c = cli("CLI-12345", "acquire", "Chapter_10");
	assert.equal(c.status, 4, "another instance sees it stale");
	assert.equal(cli("CLI-12345", "acquire", "--force", "Chapter_10").status, 0);
}

// A third party takes a chapter through the mount; both see each other.
async function mountUser(client, me) {
	const m = spawnSync(LOCKFS, ["-C", P, "mount"], { env: baseEnv(), encoding: "utf8" });
	if (m.status !== 0) {
		if (process.env.LOCKFS_REQUIRE_FUSE === "1")
			assert.fail(`lockfs mount: ${m.stderr}`);
		console.error(`SKIP the mount user: ${m.stderr.trim()}`);
		return;
	}
	const mnt = path.join(P, ".locks", "fs");
	const umount = () => {
		for (const a of [["-u", mnt], ["-u", "-z", mnt]])
			if (spawnSync("fusermount3", a).status === 0)
				return;
	};
	cleanups.push(umount);
	try {
		const t = spawnSync("sh", ["-c", `touch ${mnt}/Chapter_05`],
			{ env: baseEnv({ LOCKFS_INSTANCE: "mount-user" }) });
		assert.equal(t.status, 0, "touch through the mount");
		let r = await call(client, "lock_status", {});
		// the command line's own dashboard
		const ages = (t) => t.replace(/\d+ s/g, "N s");
		assert.equal(ages(text(r)), ages(cli(null, "status").stdout.trimEnd()));
		assert.match(text(r), /^ *Chapter_05 +mount-user +\d\d:\d\d +\d+ s +live /m);
		assert.match(text(r), new RegExp(`^ *Chapter_01 +${me} `, "m"));
		r = await call(client, "lock_acquire", { resources: ["Chapter_05"] });
		assert.equal(r.isError, true);
		assert.match(text(r), /Chapter_05 is held by mount-user/);
		assert.ok(fs.readdirSync(mnt).includes("Chapter_01"), "the chat's lock is in the mount");
		const rm = spawnSync("sh", ["-c", `rm ${mnt}/Chapter_01`],
			{ env: baseEnv({ LOCKFS_INSTANCE: "mount-user" }), encoding: "utf8" });
		assert.notEqual(rm.status, 0, "rm of the chat's live lock is refused");
		spawnSync("sh", ["-c", `rm ${mnt}/Chapter_05`], { env: baseEnv({ LOCKFS_INSTANCE: "mount-user" }) });
		r = await call(client, "lock_acquire", { resources: ["Chapter_05"] });
		assert.equal(r.isError, false, text(r));
		assert.equal(cli("CLI-12345", "acquire", "Chapter_05").status, 1);
	} finally {
		umount();
	}
}

// Which instance: Claude Code's session id, LOCKFS_INSTANCE, another
// client's name; and the project argument for a server started in "/".
async function identities() {
	const sid = "a1b2c3d4-0000-4000-8000-000000000000";
	let { client } = await connect({ name: "claude-code", env: { CLAUDE_CODE_SESSION_ID: sid } });
	let r = await call(client, "lock_acquire", { resources: ["FrontMatter"] });
	assert.equal(r.structuredContent.instance, "CLI-a1b2c3d4");
	// the session's own shell command agrees: a renewal, not a refusal
	const c = spawnSync(LOCKFS, ["-C", P, "acquire", "FrontMatter"],
		{ env: baseEnv({ CLAUDE_CODE_SESSION_ID: sid }), encoding: "utf8" });
	assert.equal(c.status, 0, c.stderr);
	assert.match(c.stdout, /renewed/);
	await client.close();

	({ client } = await connect({ name: "some-client", env: { LOCKFS_INSTANCE: "Chat-7" } }));
	r = await call(client, "lock_acquire", { resources: ["BackMatter"] });
	assert.equal(r.structuredContent.instance, "Chat-7");
	await client.close();

	// LOCKFS_FORCE=1 in the server's environment: every acquire forces.
	assert.equal(cli("CLI-99", "acquire", "StyleSystem").status, 0);
	({ client } = await connect({ name: "some-client", env: { LOCKFS_INSTANCE: "Chat-8", LOCKFS_FORCE: "1" } }));
	r = await call(client, "lock_acquire", { resources: ["StyleSystem"] });
	assert.equal(r.isError, false, text(r));
	assert.match(text(r), /taken over from CLI-99 \(a live lock, forced\)/);
	await client.close();

	// An unusable LOCKFS_INSTANCE: every call says why, the server lives.
	({ client } = await connect({ name: "some-client", env: { LOCKFS_INSTANCE: "bad label" } }));
	r = await call(client, "lock_acquire", { resources: ["BackMatter"] });
	assert.equal(r.isError, true);
	assert.match(text(r), /^LOCKFS_INSTANCE has byte 0x20 at offset 3/);
	await client.ping();
	await client.close();

	({ client } = await connect({ name: "Cursor IDE" }));
	r = await call(client, "lock_status", {});
	assert.match(r.structuredContent.instance, /^CursorIDE-[0-9a-f]{8}$/);
	await client.close();

	// Desktop starts servers in "/" without -C: the project argument.
	({ client } = await connect({ args: ["mcp"], cwd: "/" }));
	r = await call(client, "lock_acquire", { resources: ["Chapter_20"] });
	assert.equal(r.isError, true);
	assert.match(text(r), /^\/ is not a lockfs project/);
	assert.ok(!fs.existsSync("/.locks"), "no project made in /");
	r = await call(client, "lock_acquire", { resources: ["Chapter_20"], project: P });
	assert.equal(r.isError, false, text(r));
	assert.match(holder("Chapter_20"), /^Desktop-/);
	r = await call(client, "lock_release", { resources: ["Chapter_20"], project: P });
	assert.equal(r.isError, false, text(r));
	r = await call(client, "lock_status", { project: path.join(T, "nowhere") });
	assert.equal(r.isError, true);
	assert.match(text(r), /No such file or directory/);
	await client.close();
}

// Raw lines: framing, negotiation and every kind of bad input.
async function rawLines() {
	const srv = spawn(LOCKFS, ["-C", P, "mcp"], { env: baseEnv({ LOCKFS_INSTANCE: "Raw-1" }) });
	let buf = "";
	const lines = [];
	srv.stdout.on("data", (d) => {
		buf += d;
		let i;
		while ((i = buf.indexOf("\n")) >= 0) {
			lines.push(JSON.parse(buf.slice(0, i)));
			buf = buf.slice(i + 1);
		}
	});
	const exited = new Promise((r) => srv.on("close", (code) => r(code)));
	async function send(line, count = 1) {
		const want = lines.length + count;
		srv.stdin.write(line + "\n");
		for (let i = 0; i < 400 && lines.length < want; i++)
			await sleep(10);
		assert.equal(lines.length, want, `no answer to ${line.slice(0, 80)}`);
		return lines[lines.length - 1];
	}
	const req = (id, method, params) => JSON.stringify({ jsonrpc: "2.0", id, method, params });
	for (const v of ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]) {
		const a = await send(req(v, "initialize", { protocolVersion: v, capabilities: {},
			clientInfo: { name: "raw", version: "0" } }));
		assert.equal(a.result.protocolVersion, v);
		assert.ok(a.result.capabilities.tools);
	}
	let a = await send(req(1, "initialize", { protocolVersion: "1999-01-01", capabilities: {} }));
	assert.equal(a.result.protocolVersion, "2025-11-25");
	// Up to 2025-06-18, bad tool arguments are protocol errors (-32602).
	a = await send(req(1, "initialize", { protocolVersion: "2025-06-18", capabilities: {} }));
	assert.equal(a.result.protocolVersion, "2025-06-18");
	srv.stdin.write(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) + "\n");

	const bad = [
		["this is not json", -32700, null],
		["{\"jsonrpc\": \"2.0\", \"id\": 5, \"method\": ", -32700, null],
		[JSON.stringify({ jsonrpc: "1.0", id: 2, method: "ping" }), -32600, 2],
		[JSON.stringify({ id: 3, method: "ping" }), -32600, 3],
		[JSON.stringify({ jsonrpc: "2.0", id: 4, method: 7 }), -32600, 4],
		[JSON.stringify({ jsonrpc: "2.0", id: { x: 1 }, method: "ping" }), -32600, null],
		[JSON.stringify([{ jsonrpc: "2.0", id: 6, method: "ping" }]), -32600, null],
		["42", -32600, null],
		[req(7, "server/discover"), -32601, 7],
		[req(8, "resources/list"), -32601, 8],
		[req(9, "tools/call", {}), -32602, 9],
		[req(10, "tools/call", { name: "lock_explode" }), -32602, 10],
		[req(11, "tools/call", { name: "lock_acquire", arguments: {} }), -32602, 11],
		[req(12, "tools/call", { name: "lock_acquire", arguments: { resources: "Chapter_01" } }), -32602, 12],
		[req(13, "tools/call", { name: "lock_acquire", arguments: { resources: [] } }), -32602, 13],
		[req(14, "tools/call", { name: "lock_acquire", arguments: { resources: ["Chapter_01"], wait_seconds: -1 } }), -32602, 14],
		[req(15, "tools/call", { name: "lock_check", arguments: { resource: "Chapter_01", token: 1.5 } }), -32602, 15],
		[req(16, "tools/call", { name: "lock_status", arguments: { colour: true } }), -32602, 16],
		[req(17, "tools/call", { name: "lock_status", arguments: [1] }), -32602, 17],
		[req(18, "tools/call", "params"), -32602, 18],
		[req(19, "initialize", {}), -32602, 19],
		["x".repeat(3 * 1024 * 1024), -32600, null],
		[JSON.stringify({ jsonrpc: "2.0", id: 20, method: "tools/call", params: { name: "lock_status", arguments: { project: "y".repeat(2 * 1024 * 1024) } } }), -32600, null],
	];
	for (const [line, code, id] of bad) {
		a = await send(line);
		assert.equal(a.jsonrpc, "2.0");
		assert.equal(a.error?.code, code, `${line.slice(0, 60)}: ${JSON.stringify(a)}`);
		assert.deepEqual(a.id, id);
		assert.equal(typeof a.error.message, "string");
	}
	// From 2025-11-25 on they are tool results the model can correct;
	// an unknown tool stays a protocol error.
	a = await send(req(1, "initialize", { protocolVersion: "2025-11-25", capabilities: {} }));
	a = await send(req(22, "tools/call", { name: "lock_acquire", arguments: { resources: "Chapter_01" } }));
	assert.equal(a.result.isError, true);
	assert.equal(a.result.structuredContent.exit_code, 2);
	assert.match(a.result.content[0].text, /"resources" must be an array of resource names/);
	a = await send(req(23, "tools/call", { name: "lock_explode" }));
	assert.equal(a.error.code, -32602);
	// Notifications and responses get no answer; the next request does.
	srv.stdin.write(JSON.stringify({ jsonrpc: "2.0", method: "notifications/whatever" }) + "\n");
	srv.stdin.write(JSON.stringify({ jsonrpc: "2.0", id: 99, result: {} }) + "\n");
	srv.stdin.write("\n   \n");
	a = await send(req("last", "ping"));
	assert.deepEqual(a, { jsonrpc: "2.0", id: "last", result: {} });
	a = await send(req(21, "tools/call", { name: "lock_acquire", arguments: { resources: ["Chapter_30"] } }));
	assert.equal(a.result.isError, false);
	assert.equal(holder("Chapter_30"), "Raw-1");
	// End of input: exit 0, and the locks stay (now holder-exited).
	srv.stdin.end();
	assert.equal(await exited, 0);
	assert.equal(holder("Chapter_30"), "Raw-1");
	assert.equal(status().find((l) => l.resource === "Chapter_30").stale_reason, "holder-exited");
	assert.equal(lines.filter((l) => l.method).length, 0, "nothing but answers on stdout");
}

try {
	await scenarios();
	await identities();
	await rawLines();
	console.log("ok");
} finally {
	for (const f of cleanups.reverse())
		await f();
	// A mount as root leaves the bare mount point immutable.
	spawnSync("chattr", ["-i", path.join(P, ".locks", "fs")], { stdio: "ignore" });
	fs.rmSync(T, { recursive: true, force: true });
}
