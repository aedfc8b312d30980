import { ADAPTERS, LIBRARIES, LIBRARY_LABELS, type LibraryId } from '../contenders.js';
import type { LatencySamples } from '../scenarios/latency.js';
import { PHASE_LABELS, PHASES } from '../scenarios/latency.js';
import { quantile, sortedCopy } from '../stats.js';

const COLORS: Record<LibraryId, string> = { ours: '#1f6feb', powertools: '#d9822b' };
const WIDTH = 900;
const LEFT = 150;
const RIGHT = 30;
const TOP = 60;
const ROW = 22;
const GROUP_GAP = 10;
const GROUP_TITLE = 18;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Box plots of the latency distributions, one row per library under each invocation kind, on a
 * logarithmic axis (cache hits are microseconds, DynamoDB round trips milliseconds): whiskers
 * p5 to p95, box p25 to p75, a bar at the median and a dot at p99.
 */
export function renderLatencySvg(samples: LatencySamples, title: string): string {
  const groups = ADAPTERS.flatMap((adapter) => PHASES.map((phase) => ({ adapter, phase })));
  // The axis spans what is drawn (p5 to p99 of every series), in whole decades.
  const drawn = groups.flatMap(({ adapter, phase }) =>
    LIBRARIES.flatMap((library) => {
      const sorted = sortedCopy(samples[adapter][phase][library]);
      return sorted.length === 0 ? [] : [quantile(sorted, 0.05), quantile(sorted, 0.99)];
    }),
  );
  const positive = drawn.filter((value) => value > 0);
  const lowExponent = Math.floor(Math.log10(Math.min(...positive, 1)));
  const highExponent = Math.max(Math.ceil(Math.log10(Math.max(...positive, 1))), lowExponent + 1);
  const low = 10 ** lowExponent;
  const high = 10 ** highExponent;
  const x = (value: number) =>
    LEFT + ((Math.log10(Math.max(value, low)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * (WIDTH - LEFT - RIGHT);
  const height = TOP + groups.length * (GROUP_TITLE + LIBRARIES.length * ROW + GROUP_GAP) + 40;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="8" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  LIBRARIES.forEach((library, index) => {
    const legendX = LEFT + index * 180;
    parts.push(`<rect x="${legendX}" y="32" width="12" height="12" fill="${COLORS[library]}"/>`);
    parts.push(`<text x="${legendX + 18}" y="42">${escapeXml(LIBRARY_LABELS[library])}</text>`);
  });
  parts.push(
    `<text x="${WIDTH - RIGHT}" y="42" text-anchor="end" fill="#555">whiskers p5–p95, box p25–p75, | median, • p99</text>`,
  );
  const axisBottom = height - 30;
  for (let exponent = lowExponent; exponent <= highExponent; exponent++) {
    const decade = 10 ** exponent;
    const position = x(decade).toFixed(1);
    parts.push(`<line x1="${position}" y1="${TOP - 6}" x2="${position}" y2="${axisBottom}" stroke="#e3e3e3"/>`);
    parts.push(
      `<text x="${position}" y="${axisBottom + 16}" text-anchor="middle" fill="#555">${exponent >= 0 ? decade : decade.toFixed(-exponent)} ms</text>`,
    );
  }
  let y = TOP;
  for (const { adapter, phase } of groups) {
    parts.push(
      `<text x="8" y="${y + 13}" font-weight="bold">${escapeXml(`${adapter === 'middy' ? 'Middy' : 'wrapper'}: ${PHASE_LABELS[phase]}`)}</text>`,
    );
    y += GROUP_TITLE;
    for (const library of LIBRARIES) {
      const sorted = sortedCopy(samples[adapter][phase][library]);
      const middle = y + ROW / 2;
      if (sorted.length > 0) {
        const [p5, p25, p50, p75, p95, p99] = [0.05, 0.25, 0.5, 0.75, 0.95, 0.99].map((q) => x(quantile(sorted, q))) as [
          number,
          number,
          number,
          number,
          number,
          number,
        ];
        const color = COLORS[library];
        parts.push(`<line x1="${p5.toFixed(1)}" y1="${middle}" x2="${p95.toFixed(1)}" y2="${middle}" stroke="${color}"/>`);
        parts.push(
          `<rect x="${p25.toFixed(1)}" y="${y + 4}" width="${Math.max(p75 - p25, 1).toFixed(1)}" height="${ROW - 8}" fill="${color}" fill-opacity="0.35" stroke="${color}"/>`,
        );
        parts.push(
          `<line x1="${p50.toFixed(1)}" y1="${y + 2}" x2="${p50.toFixed(1)}" y2="${y + ROW - 2}" stroke="${color}" stroke-width="2.5"/>`,
        );
        parts.push(`<circle cx="${p99.toFixed(1)}" cy="${middle}" r="3" fill="${color}"/>`);
      }
      parts.push(
        `<text x="${LEFT - 8}" y="${middle + 4}" text-anchor="end" fill="#333">${escapeXml(LIBRARY_LABELS[library])}</text>`,
      );
      y += ROW;
    }
    y += GROUP_GAP;
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
