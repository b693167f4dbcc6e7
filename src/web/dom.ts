/**
 * The few DOM helpers the app needs instead of a framework: build an element, show a PNG's
 * bytes as an image, offer bytes as a download, and read a form control's value.
 */
type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

/** `h('button', { 'data-testid': 'run', onclick: go }, 'Run')`: attributes, `on…` handlers, children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked' || k === 'textContent') (el as unknown as Record<string, unknown>)[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** Bytes (or text) as a blob URL of `type`; the caller revokes it when the element goes. */
export function blobUrl(bytes: Uint8Array | string, type: string): string {
  const part = typeof bytes === 'string' ? bytes : (bytes as Uint8Array<ArrayBuffer>);
  return URL.createObjectURL(new Blob([part], { type }));
}

const TYPES: Record<string, string> = { png: 'image/png', json: 'application/json', csv: 'text/csv', zip: 'application/zip' };

/** A link that saves `bytes` as `name` (a download in the browser, never a request). */
export function downloadLink(name: string, bytes: Uint8Array | string, label = name, testid?: string): HTMLAnchorElement {
  const type = TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream';
  return h('a', { href: blobUrl(bytes, type), download: name, class: 'download', 'data-testid': testid }, label);
}

/** An <img> of PNG bytes, drawn pixel-sharp. */
export function pngImage(png: Uint8Array, alt: string, testid?: string): HTMLImageElement {
  return h('img', { src: blobUrl(png, 'image/png'), alt, class: 'pixelated', 'data-testid': testid });
}

/** Removes every child of `el`. */
export function clear(el: Element): void {
  el.replaceChildren();
}
