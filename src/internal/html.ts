/**
 * HTML text escaping, shared by the app layer's pages (chooser, repost, errors) and the
 * development IdP's pages.
 *
 * @module
 */

const HTML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for HTML element content and quoted attribute values.
 *
 * @param s - the text.
 * @returns the text with `& < > " '` replaced by character references.
 */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}
