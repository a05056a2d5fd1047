/**
 * Whether an `Accept` header prefers an HTML page to JSON, by RFC 9110 §12.5.1: for each of the
 * two types the most specific matching range gives its quality, and HTML must rank strictly
 * higher. A browser's `text/html,…,*\/*;q=0.8` does; no header, `*\/*` and `application/json` do
 * not, so API clients and scripts keep getting JSON. oidc-provider decides the same way for its
 * own error pages (`ctx.accepts('json', 'html')`).
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = accept.split(',').map(parseRange);
  return qualityOf(ranges, 'text', 'html') > qualityOf(ranges, 'application', 'json');
}

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseRange(part: string): MediaRange {
  const [mediaType = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
  const [type = '', subtype = ''] = mediaType.split('/');
  let q = 1;
  for (const parameter of parameters) {
    const [name, value] = parameter.split('=').map((piece) => piece.trim());
    if (name === 'q') {
      const parsed = Number(value);
      q = Number.isFinite(parsed) && parsed >= 0 && parsed <= 1 ? parsed : 0;
    }
  }
  return { type, subtype, q };
}

function qualityOf(ranges: MediaRange[], type: string, subtype: string): number {
  let best: { specificity: number; q: number } | undefined;
  for (const range of ranges) {
    const specificity =
      range.type === type && range.subtype === subtype ? 2 : range.type === type && range.subtype === '*' ? 1 : range.type === '*' && range.subtype === '*' ? 0 : -1;
    if (specificity < 0 || (best && best.specificity >= specificity)) continue;
    best = { specificity, q: range.q };
  }
  return best?.q ?? 0;
}
