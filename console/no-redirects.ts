/**
 * The console never follows an HTTP redirect from the API: a 307 answer to a sign-in would re-send
 * the password to wherever `Location` points. Every API call goes through `refuseRedirects`, which
 * asks for `redirect: 'manual'` and turns any redirect into a `RedirectRefusedError` before anything
 * is sent to the new address.
 */
export class RedirectRefusedError extends Error {
  override name = 'RedirectRefusedError';
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** `scheme://host[:port]` of a URL, or the text itself when it is not one. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function refused(requestUrl: string, status?: number, location?: string | null): RedirectRefusedError {
  const answer = status ? `HTTP ${status}` : 'a redirect';
  let target = '';
  try {
    if (location) target = ` to ${new URL(location, requestUrl).origin}`;
  } catch {
    // an unparsable Location: say only that it was a redirect
  }
  return new RedirectRefusedError(
    `The API at ${originOf(requestUrl)} answered with ${answer}${target}. The console does not follow redirects, so nothing was sent there: use the server's final https:// address.`,
  );
}

/**
 * Electron's `net.fetch` cannot return a redirect response: in 'manual' mode it rejects with this
 * message (its documented behaviour) before following it. Anything else stays a network error.
 */
const ELECTRON_CANCELLED_REDIRECT = 'Redirect was cancelled';

export function refuseRedirects(fetchImpl: typeof fetch): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    let response: Response;
    try {
      response = await fetchImpl(input, { ...init, redirect: 'manual' });
    } catch (err) {
      if (err instanceof Error && err.message === ELECTRON_CANCELLED_REDIRECT) throw refused(url);
      throw err;
    }
    // Node's fetch returns the 3xx itself; a browser returns an opaque redirect (status 0).
    if (response.type === 'opaqueredirect' || REDIRECT_STATUSES.has(response.status)) {
      await response.body?.cancel().catch(() => undefined);
      throw refused(url, response.status || undefined, response.headers.get('location'));
    }
    return response;
  };
}
