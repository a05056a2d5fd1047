import { escapeHtml, page } from './layout.ts';

/** A title and one sentence: a sign-in that cannot continue, a finished sign-out. */
export function messagePage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
}
