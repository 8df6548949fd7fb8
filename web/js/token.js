// Access tokens never travel in a URL the server logs or the history keeps: a link may carry one
// in the fragment (`#token=...`, which browsers never send), the page moves it to sessionStorage
// (this tab only, gone when it closes) and drops it from the address bar at once. The token form
// stores it the same way. On the wire it is the WebSocket subprotocol `headroom.token.<T>`.

const KEY = 'headroom.token';

/** @returns {string|null} the token for this tab, taken from the fragment if one is there */
export function takeToken() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const fromFragment = fragment.get('token');
  if (fromFragment !== null) {
    storeToken(fromFragment.trim() || null);
    fragment.delete('token');
    const rest = fragment.toString();
    history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  }
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return fromFragment; // storage disabled: keep it in memory only
  }
}

/** @param {string|null} token */
export function storeToken(token) {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    // storage disabled (private mode policies): the token lives in memory for this page only
  }
}
