/**
 * Search as you type for a GET search form (`<form data-live-search="<results id>">`): the form works on its own
 * without JavaScript (submit → the same page with the query); with it, typing or changing a filter fetches that
 * same page after a short pause and swaps in its results region (the element named by the attribute), keeping the
 * address bar in step. The response is this origin's own server-rendered page, parsed inertly by DOMParser
 * (scripts in it never run). Added by renderPage, with the response's CSP nonce, only to pages with such a form.
 */
export const LIVE_SEARCH_MARKER = " data-live-search=";

/** Milliseconds of quiet typing before a search runs. */
export const LIVE_SEARCH_DELAY_MS = 250;

export function liveSearchScript(nonce: string | undefined): string {
  const script = `(() => {
  const form = document.querySelector("form[data-live-search]");
  if (!form) return;
  const id = form.getAttribute("data-live-search");
  const action = form.getAttribute("action") || location.pathname;
  let timer;
  let controller;
  const search = async () => {
    const params = new URLSearchParams(new FormData(form));
    for (const [k, v] of [...params]) if (v === "") params.delete(k);
    const url = action + (params.size > 0 ? "?" + params : "");
    if (controller) controller.abort();
    controller = new AbortController();
    try {
      const res = await fetch(url, { headers: { accept: "text/html" }, signal: controller.signal });
      if (!res.ok && res.status !== 422) return;
      const doc = new DOMParser().parseFromString(await res.text(), "text/html");
      const fresh = doc.getElementById(id);
      const current = document.getElementById(id);
      if (!fresh || !current) return;
      current.replaceWith(document.importNode(fresh, true));
      history.replaceState(null, "", url);
    } catch (e) {
      if (!(e instanceof DOMException && e.name === "AbortError")) throw e;
    }
  };
  const later = () => { clearTimeout(timer); timer = setTimeout(search, ${LIVE_SEARCH_DELAY_MS}); };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();`;
  const attribute = nonce ? ` nonce="${nonce.replace(/[^A-Za-z0-9+/=_-]/g, "")}"` : "";
  return `<script${attribute}>${script}</script>`;
}
