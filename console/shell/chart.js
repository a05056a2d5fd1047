import { html, useEffect, useRef, useState } from './preact.js';

/**
 * Sign-ins and failures per hour as a bar chart in plain SVG (no chart library): two bars an
 * hour on a shared scale. A screen reader gets a one-line summary, and the numbers themselves
 * in a table behind a disclosure. The drawing is as wide as its box in CSS pixels (measured),
 * so its text keeps its size on a phone and its hour labels thin out instead of overlapping.
 */
const HEIGHT = 220;
const PAD = { top: 12, right: 8, bottom: 28, left: 36 };
/** Room one hour label needs. */
const LABEL_WIDTH = 56;

/** A round maximum for the axis: 1, 2, 5, 10, 20, 50… at least `value`. */
function niceMax(value) {
  if (value <= 4) return 4;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

const hourFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** @param {{hours: {hour: string, succeeded: number, failed: number}[], title: string}} props */
export function SignInChart({ hours, title }) {
  const box = useRef(/** @type {HTMLElement | null} */ (null));
  const [width, setWidth] = useState(720);
  useEffect(() => {
    const element = box.current;
    if (!element) return undefined;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.max(240, Math.floor(entry.contentRect.width))));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const max = niceMax(Math.max(0, ...hours.map((entry) => Math.max(entry.succeeded, entry.failed))));
  const plotWidth = width - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(hours.length, 1);
  const bar = Math.max(1, slot * 0.36);
  const y = (value) => PAD.top + plotHeight - (value / max) * plotHeight;
  const labelEvery = Math.max(1, Math.ceil((hours.length * LABEL_WIDTH) / plotWidth));
  const succeeded = hours.reduce((sum, entry) => sum + entry.succeeded, 0);
  const failed = hours.reduce((sum, entry) => sum + entry.failed, 0);
  const summary = `${title}: ${succeeded} successful sign-ins and ${failed} failed ones over the last ${hours.length} hours.`;

  return html`<figure class="chart" ref=${box}>
    <figcaption>${title}</figcaption>
    <ul class="legend" aria-hidden="true">
      <li><svg width="12" height="12"><rect class="ok" width="12" height="12" /></svg> Sign-ins</li>
      <li><svg width="12" height="12"><rect class="failed" width="12" height="12" /></svg> Failures</li>
    </ul>
    <svg viewBox=${`0 0 ${width} ${HEIGHT}`} width=${width} height=${HEIGHT} role="img" aria-label=${summary}>
      ${[0, 0.5, 1].map(
        (share) => html`<g class="grid">
          <line x1=${PAD.left} x2=${width - PAD.right} y1=${y(max * share)} y2=${y(max * share)} />
          <text x=${PAD.left - 6} y=${y(max * share) + 4} text-anchor="end">${max * share}</text>
        </g>`,
      )}
      ${hours.map((entry, index) => {
        const x = PAD.left + index * slot + (slot - 2 * bar) / 2;
        return html`<g>
          <rect class="ok" x=${x} y=${y(entry.succeeded)} width=${bar} height=${Math.max(0, y(0) - y(entry.succeeded))} />
          <rect class="failed" x=${x + bar} y=${y(entry.failed)} width=${bar} height=${Math.max(0, y(0) - y(entry.failed))} />
          ${index % labelEvery === 0
            ? html`<text class="tick" x=${PAD.left + index * slot + slot / 2} y=${HEIGHT - 8} text-anchor="middle">${hourFormat.format(new Date(entry.hour))}</text>`
            : null}
        </g>`;
      })}
    </svg>
    <details>
      <summary>The numbers, hour by hour</summary>
      <div class="table-wrap">
        <table>
          <thead><tr><th scope="col">Hour starting</th><th scope="col">Sign-ins</th><th scope="col">Failures</th></tr></thead>
          <tbody>
            ${hours.map(
              (entry) => html`<tr><td><time datetime=${entry.hour}>${hourFormat.format(new Date(entry.hour))}</time></td><td>${entry.succeeded}</td><td>${entry.failed}</td></tr>`,
            )}
          </tbody>
        </table>
      </div>
    </details>
  </figure>`;
}
