// A JavaScript automerge-repo peer for the interop tests: the reference
// implementation (from npm), talking to our server over its standard
// WebSocket client adapter. Each command prints one line of JSON.
//
//   node peer.mjs add-member <ws-url> <doc-id> <ФИО>  a member pushed onto `members` → {"id"}
//   node peer.mjs read <ws-url> <doc-id>              the document as JSON
//
// A write is reported only once a second, fresh repo (no storage, its own
// connection) reads it back from the server, so "done" means "stored there".

import { Repo, ImmutableString } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { randomBytes } from "node:crypto";

const [command, url, ...args] = process.argv.slice(2);

// The server binds peer ids to the device token in the URL: a peer id must
// be the device's id or start with it and a colon.
let connections = 0;
function connect() {
  connections += 1;
  const peerId = `${process.env.MO_PEER_ID}:js-${process.pid}-${connections}`;
  return new Repo({ network: [new WebSocketClientAdapter(url)], peerId });
}

// Byte arrays as hex; unsigned integers (which automerge hands JS as BigInt) as numbers.
const toJson = (value) =>
  JSON.stringify(value, (_key, v) =>
    v instanceof Uint8Array ? Buffer.from(v).toString("hex") : typeof v === "bigint" ? Number(v) : v,
  );

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function read(id) {
  const repo = connect();
  try {
    const handle = await repo.find(`automerge:${id}`);
    return JSON.parse(toJson(handle.doc()));
  } finally {
    await repo.shutdown();
  }
}

// Reads `id` from the server with fresh repos until `check` holds.
async function readBack(id, check) {
  const deadline = Date.now() + 30_000;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await read(id);
      if (check(last)) return last;
    } catch (e) {
      last = String(e);
    }
    await sleep(300);
  }
  throw new Error(`the server never returned the write; last read: ${toJson(last)}`);
}

async function main() {
  switch (command) {
    case "add-member": {
      const [id, fullName] = args;
      const repo = connect();
      const handle = await repo.find(`automerge:${id}`);
      const memberId = new Uint8Array(randomBytes(16));
      handle.change((doc) => {
        doc.members.push({
          id: memberId,
          full_name: fullName,
          position: "учитель истории",
          class_led: "8А",
          education: new ImmutableString("Higher"),
          category: new ImmutableString("First"),
          experience_years: 12,
        });
      });
      const hex = Buffer.from(memberId).toString("hex");
      await readBack(id, (doc) => doc.members.some((m) => m.id === hex && m.full_name === fullName));
      await repo.shutdown();
      return { id: hex };
    }
    case "read":
      return await read(args[0]);
    default:
      throw new Error(`unknown command ${command}`);
  }
}

try {
  console.log(toJson(await main()));
  process.exit(0);
} catch (e) {
  console.error(e);
  process.exit(1);
}
