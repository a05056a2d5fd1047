import { escapeHtml, page } from './layout.ts';
import { linkLine } from './form-parts.ts';

export interface NoticePageInput {
  title: string;
  paragraphs: string[];
  /** Where to go on: back into the sign-in, or to ask for a new link. */
  link?: { href: string; label: string };
  /** A refusal (an unusable link) rather than news: the first paragraph is announced as an alert. */
  alert?: boolean;
}

/** What a step of the account pages says when it is done (mail on its way, address confirmed) or cannot be done. */
export function noticePage(input: NoticePageInput): string {
  const [first = '', ...rest] = input.paragraphs;
  const lead = input.alert ? `<p class="error" role="alert">${escapeHtml(first)}</p>` : `<p>${escapeHtml(first)}</p>`;
  return page(input.title, `<h1>${escapeHtml(input.title)}</h1>
${lead}
${rest.map((text) => `<p>${escapeHtml(text)}</p>`).join('\n')}
${linkLine(input.link)}`);
}
