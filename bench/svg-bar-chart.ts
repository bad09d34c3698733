/**
 * A grouped bar chart as a standalone SVG (no dependency): one group per label, one bar per series, a value
 * axis that is linear or logarithmic (for figures spanning orders of magnitude), and a legend.
 */
export interface BarGroup {
  label: string;
  /** one value per series, in the order of `series`; NaN or ≤ 0 on a log axis leaves the bar out */
  values: number[];
}

export interface BarChart {
  title: string;
  unit: string;
  series: string[];
  groups: BarGroup[];
  log?: boolean;
}

const COLOURS = ["#1b6ac9", "#e07b00", "#3a9a3a", "#9b59b6"];
const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function fmt(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(v >= 1e7 ? 0 : 1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(v >= 1e4 ? 0 : 1)}k`;
  return v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2);
}

export function barChartSvg(chart: BarChart): string {
  const bar = 14;
  const gap = 18;
  const left = 64;
  const top = 48;
  const plotH = 240;
  const groupW = chart.series.length * bar + gap;
  // room on the right for the last group's slanted label
  const width = Math.max(480, left + chart.groups.length * groupW + 110);
  const height = top + plotH + 120;
  const all = chart.groups.flatMap((g) => g.values).filter((v) => Number.isFinite(v) && (!chart.log || v > 0));
  const max = Math.max(...all, chart.log ? 1 : 0);
  const min = chart.log ? Math.min(...all, max) : 0;
  const lo = chart.log ? Math.floor(Math.log10(min)) : 0;
  // a linear axis ends on a round number (60 frames/s → 60), a log axis on a power of ten
  const step = max > 0 ? 10 ** Math.floor(Math.log10(max)) : 1;
  const hi = chart.log ? Math.max(lo + 1, Math.ceil(Math.log10(max))) : max > 0 ? Math.ceil(max / step) * step : 1;
  const y = (v: number): number => {
    const f = chart.log ? (Math.log10(v) - lo) / (hi - lo) : v / hi;
    return top + plotH - Math.max(0, Math.min(1, f)) * plotH;
  };
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  out.push(`<text x="${left}" y="20" font-size="14" font-weight="bold">${esc(chart.title)}</text>`);
  out.push(`<text x="${left}" y="36" fill="#555">${esc(chart.unit)}${chart.log ? " (log scale)" : ""}</text>`);
  const ticks = chart.log ? Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i)) : [0, 0.25, 0.5, 0.75, 1].map((f) => f * hi);
  for (const t of ticks) {
    out.push(`<line x1="${left}" x2="${width - 10}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" fill="#555">${fmt(t)}</text>`);
  }
  chart.groups.forEach((g, gi) => {
    const x0 = left + gap / 2 + gi * groupW;
    g.values.forEach((v, si) => {
      if (!Number.isFinite(v) || (chart.log && v <= 0)) return;
      const yy = y(v);
      out.push(`<rect x="${x0 + si * bar}" y="${yy.toFixed(1)}" width="${bar - 2}" height="${(top + plotH - yy).toFixed(1)}" fill="${COLOURS[si % COLOURS.length]}"><title>${esc(`${chart.series[si]} ${g.label}: ${fmt(v)} ${chart.unit}`)}</title></rect>`);
    });
    const cx = x0 + (chart.series.length * bar) / 2;
    out.push(`<text transform="translate(${cx.toFixed(1)},${top + plotH + 10}) rotate(40)" fill="#333">${esc(g.label)}</text>`);
  });
  chart.series.forEach((s, si) => {
    const lx = left + si * 130;
    out.push(`<rect x="${lx}" y="${height - 18}" width="10" height="10" fill="${COLOURS[si % COLOURS.length]}"/><text x="${lx + 14}" y="${height - 9}">${esc(s)}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
