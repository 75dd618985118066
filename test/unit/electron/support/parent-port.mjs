// Plays Electron's `process.parentPort` over Node's fork IPC channel, so the local server's
// utility-process entry runs in a plain Node child in tests (no Electron binary needed).
process.parentPort = {
  postMessage: (message) => process.send(message),
  on: (event, listener) => process.on(event, (data) => listener({ data, ports: [] })),
};
