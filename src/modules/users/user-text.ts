/**
 * What user-supplied text (emails, names) may not contain: C0 and C1 controls with DEL (a NUL
 * cannot even be stored: PostgreSQL refuses it in text), and the bidirectional overrides,
 * embeddings, isolates and marks, which make an address or a name display as something it is not
 * (`moc.elpmaxe@eve` shown as `eve@example.com`).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

export function hasUnsafeCharacters(text: string): boolean {
  return UNSAFE.test(text);
}

/**
 * NFKC: one stored form for text that looks the same, so full-width `ａｌｉｃｅ` is `alice` and a
 * ligature `ﬁ` is `fi`. Checked for unsafe characters after normalising too: NFKC can produce
 * none of them from safe input, but the check should not rest on that.
 */
export function canonicalText(text: string): string | undefined {
  if (hasUnsafeCharacters(text)) return undefined;
  const canonical = text.normalize('NFKC');
  return hasUnsafeCharacters(canonical) ? undefined : canonical;
}
