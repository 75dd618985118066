/**
 * The first-run setup code a console link carries in its fragment (`…/#setup=<code>`, printed next
 * to the code by the server's tooling): a fragment never reaches any server or proxy log. Read once,
 * then removed from the address bar so it is not bookmarked or shared along with the page.
 */
export function takeSetupCodeFromUrl(w: Pick<Window, 'location' | 'history'> = window): string | undefined {
  const code = new URLSearchParams(w.location.hash.replace(/^#/, '')).get('setup')?.trim();
  if (!code) return undefined;
  w.history.replaceState(w.history.state, '', `${w.location.pathname}${w.location.search}`);
  return code;
}
