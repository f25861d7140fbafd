// The JavaScript automerge-repo sync server, as automerge-repo-sync-server
// sets it up: a Repo with the Node WebSocket server adapter and the
// file-system storage adapter, sharing nothing unasked. The benchmark
// (`cargo xtask bench`) runs it beside ours under the same load.
//
//   node sync-server.mjs <port> <data-dir>
//
// It prints "listening" once it accepts connections.

import http from "node:http";
import os from "node:os";
import { Repo } from "@automerge/automerge-repo";
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";
import { WebSocketServer } from "ws";

const [port, dir] = process.argv.slice(2);

const sockets = new WebSocketServer({ noServer: true });
new Repo({
  network: [new NodeWSServerAdapter(sockets)],
  storage: new NodeFSStorageAdapter(dir),
  peerId: `storage-server-${os.hostname()}`,
  sharePolicy: async () => false,
});

const server = http.createServer((_request, response) => {
  response.writeHead(200).end("automerge-repo sync server");
});
server.on("upgrade", (request, socket, head) => {
  sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit("connection", ws, request));
});
// The Repo hands the socket server to its adapter only once its storage
// has answered; a connection accepted before that has no handler and is
// dropped by the keep-alive 5 s later. So listen once the adapter listens.
while (sockets.listenerCount("connection") === 0) {
  await new Promise((resolve) => setTimeout(resolve, 10));
}
server.listen(Number(port), "127.0.0.1", () => console.log("listening"));
