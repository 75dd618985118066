import { contextBridge, ipcRenderer } from 'electron';
import { CHANNELS, type Connection, type ConsoleBridge } from '../../console/contract.ts';

/**
 * The renderer's only door to the outside: typed calls that main answers, and connection changes
 * main announces. No token, no Node, no raw ipcRenderer crosses into the page. Built as CommonJS
 * (.cjs) because the window is sandboxed.
 */
const { api, connection, events } = CHANNELS;

const bridge = {
  api: {
    authStatus: () => ipcRenderer.invoke(api.authStatus),
    login: (input) => ipcRenderer.invoke(api.login, input),
    bootstrap: (input) => ipcRenderer.invoke(api.bootstrap, input),
    me: () => ipcRenderer.invoke(api.me),
    logout: () => ipcRenderer.invoke(api.logout),
    summary: (input) => ipcRenderer.invoke(api.summary, input),
  },
  connection: {
    get: () => ipcRenderer.invoke(connection.get),
    onChange(listener) {
      const forward = (_event: unknown, next: Connection) => listener(next);
      ipcRenderer.on(events.connectionChanged, forward);
      return () => void ipcRenderer.removeListener(events.connectionChanged, forward);
    },
    useRemote: (apiUrl) => ipcRenderer.invoke(connection.useRemote, apiUrl),
    useLocal: () => ipcRenderer.invoke(connection.useLocal),
    retry: () => ipcRenderer.invoke(connection.retry),
  },
} satisfies ConsoleBridge;

contextBridge.exposeInMainWorld('tenantpilot', bridge);
