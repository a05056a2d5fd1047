import QRCode from 'qrcode';

/**
 * A QR code as inline SVG, drawn on the server: the page needs no script and loads nothing (the
 * pages' CSP allows neither). Medium error correction, which phone cameras read at a glance.
 * The SVG is the library's own markup of paths and the text is only ever an otpauth URI we
 * made; it is labelled for screen readers, which are given the secret as text beside it.
 */
export async function qrCodeSvg(text: string, label: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, width: 200 });
  return svg.trim().replace('<svg ', `<svg role="img" aria-label="${label.replace(/[&<>"']/g, '')}" `);
}
