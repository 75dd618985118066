import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../server/trpc/router.ts';

/**
 * The console's contract, shared by Electron's main process, the preload bridge and the renderer
 * (so it uses neither Node nor DOM types). What the console asks of the API is typed from
 * `AppRouter`; the same contract is served by the web client (in the page) and by the main process
 * (behind the preload bridge): either way the bearer token stays with whoever makes the HTTP call,
 * and no method ever returns it.
 */
type In = inferRouterInputs<AppRouter>;
type Out = inferRouterOutputs<AppRouter>;

export type LoginInput = In['system']['auth']['login'];
/**
 * The setup code is the caller's to give: the web console asks the operator for it; the desktop app's
 * main process adds its embedded server's code itself, so the renderer never holds it there.
 */
export type BootstrapInput = Omit<In['system']['auth']['bootstrap'], 'setupCode'> & { setupCode?: string };
export type SummaryInput = In['system']['telemetry']['summary'];
export type AuthStatus = Out['system']['auth']['status'];
export type Operator = Out['system']['auth']['login']['operator'];
export type TelemetrySummary = Out['system']['telemetry']['summary'];
export type FamilySummary = TelemetrySummary['families'][number];
export type SummaryWindow = SummaryInput['window'];

/** A signed-in session as the renderer sees it: who, and until when — never the token. */
export type SignedIn = { operator: Operator; expiresAt: string };

export type ApiErrorKind =
  /** Wrong credentials, or the session expired or was revoked. */
  | 'unauthorized'
  /** Too many failed sign-ins (the message says how long to wait). */
  | 'throttled'
  | 'forbidden'
  | 'invalid'
  /** No answer from the API (down, wrong address, network). */
  | 'unreachable'
  | 'server';
export type ApiError = { kind: ApiErrorKind; message: string };

/**
 * Results rather than exceptions: Electron's IPC keeps only an exception's message, so a typed
 * outcome is what crosses the bridge intact.
 */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ApiError };

export interface ConsoleApi {
  authStatus(): Promise<ApiResult<AuthStatus>>;
  login(input: LoginInput): Promise<ApiResult<SignedIn>>;
  bootstrap(input: BootstrapInput): Promise<ApiResult<SignedIn>>;
  /** The operator of the held session; `unauthorized` when there is none. */
  me(): Promise<ApiResult<Operator>>;
  /** Revokes the session on the server and forgets the token locally, whatever the server says. */
  logout(): Promise<ApiResult<{ ok: true }>>;
  summary(input: SummaryInput): Promise<ApiResult<TelemetrySummary>>;
}

/**
 * Where the desktop console sends its calls. The local server starts in its own process after the
 * window opens ('starting'); 'failed' carries the one-line reason (it did not start, or it stopped).
 */
export type Connection =
  | { mode: 'local'; status: 'starting' | 'ready' }
  | { mode: 'local'; status: 'failed'; detail: string }
  | { mode: 'remote'; apiUrl: string; status: 'ready' };

/** Desktop only: choose between the embedded server and a remote API. */
export interface ConnectionControl {
  /** The connection as it is now (never waits for the local server). */
  get(): Promise<Connection>;
  /** Calls `listener` with every later change (local server ready, failed, stopped); returns an unsubscribe. */
  onChange(listener: (connection: Connection) => void): () => void;
  /** Checks `<url>/healthz` first; remembered only when it answers. Signs out. */
  useRemote(apiUrl: string): Promise<ApiResult<Connection>>;
  /** Back to the embedded server on this computer. Signs out. */
  useLocal(): Promise<ApiResult<Connection>>;
  /** Starts the local server again after it failed to start or stopped; keeps the session. */
  retry(): Promise<Connection>;
}

/** What the preload script exposes as `window.tenantpilot`. */
export interface ConsoleBridge {
  api: ConsoleApi;
  connection: ConnectionControl;
}

type Invoked = Exclude<keyof ConnectionControl, 'onChange'>;

/**
 * IPC channel per bridge method (invoked by preload, handled by main), and the one event main sends
 * to the window; shared so the two sides cannot drift.
 */
export const CHANNELS = {
  api: {
    authStatus: 'tp:api:authStatus',
    login: 'tp:api:login',
    bootstrap: 'tp:api:bootstrap',
    me: 'tp:api:me',
    logout: 'tp:api:logout',
    summary: 'tp:api:summary',
  },
  connection: {
    get: 'tp:connection:get',
    useRemote: 'tp:connection:useRemote',
    useLocal: 'tp:connection:useLocal',
    retry: 'tp:connection:retry',
  },
  events: {
    connectionChanged: 'tp:event:connectionChanged',
  },
} as const satisfies { api: Record<keyof ConsoleApi, string>; connection: Record<Invoked, string>; events: Record<string, string> };
