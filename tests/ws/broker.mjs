// broker.mjs - aedes over WebSocket (ws), for the tests only.
//   node broker.mjs PORT_FILE [--port N] [--tls CERT KEY] [--token TOKEN]
//                   [--tcp TCP_PORT_FILE]
// Listens on 127.0.0.1, port N (default 0: any); writes the port to
// PORT_FILE once listening, and a line "subscribed CLIENT FILTER" to
// stdout for each subscription it holds.  Only the "mqtt" subprotocol is agreed to.  With --token,
// the upgrade needs "Authorization: Bearer TOKEN" (else 401).
import { writeFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { Aedes } = require('aedes');
const { WebSocketServer, createWebSocketStream } = require('ws');

const args = process.argv.slice(2);
const portFile = args[0];
let tls = null, token = null, port = 0, tcpFile = null;
for (let i = 1; i < args.length; i++) {
  if (args[i] === '--tls') { tls = { cert: readFileSync(args[i + 1]), key: readFileSync(args[i + 2]) }; i += 2; }
  else if (args[i] === '--token') { token = args[++i]; }
  else if (args[i] === '--port') { port = Number(args[++i]); }
  else if (args[i] === '--tcp') { tcpFile = args[++i]; }
}

const aedes = await Aedes.createBroker();
// One line per subscription, once the broker holds it and has sent the
// SUBACK: the tests wait for it (mosquitto's log serves the same end).
aedes.on('subscribe', (subs, client) => {
  for (const s of subs) console.log(`subscribed ${client ? client.id : '-'} ${s.topic}`);
});
const server = tls ? https.createServer(tls) : http.createServer((req, res) => {
  res.writeHead(404); res.end();
});
const wss = new WebSocketServer({
  noServer: true,
  handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
});
server.on('upgrade', (req, socket, head) => {
  if (token && req.headers.authorization !== `Bearer ${token}`) {
    socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  if (req.url !== '/mqtt' && req.url !== '/other') {
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    aedes.handle(createWebSocketStream(ws));
  });
});
if (tcpFile) {   // the same broker over plain TCP, to compare (make bench)
  const net = await import('node:net');
  const tcp = net.createServer(aedes.handle);
  tcp.listen(0, '127.0.0.1', () => writeFileSync(tcpFile, String(tcp.address().port)));
}
server.listen(port, '127.0.0.1', () => {
  writeFileSync(portFile, String(server.address().port));
});
const stop = () => { server.close(); aedes.close(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
