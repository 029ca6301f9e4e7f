// The charts of the self-sufficiency scores, drawn on the device as SVG
// from the same `Series` as the table beside them: a radar chart per
// moment (one spoke per domain, numbered as in the table) and a line per
// domain over the moments. Each SVG is an image with a title and a
// description pointing to the table, which is the accessible version. Every
// point carries data-domain, data-date and data-score, so a test can read
// what was drawn and compare it with the table.

import type { ComponentChildren } from "preact";
import type { Series } from "./series";

const INK = "#154273"; // the lines and points: 9:1 against white
const GRID = "#6b6b6b"; // rings and axes: 5:1 against white (WCAG 1.4.11 asks 3:1)

function Svg(p: { id: string; title: string; desc: string; w: number; h: number; children: ComponentChildren }) {
  return (
    <svg
      class="kluis-chart"
      role="img"
      aria-labelledby={`${p.id}-t ${p.id}-d`}
      viewBox={`0 0 ${p.w} ${p.h}`}
      width={p.w}
      height={p.h}
      xmlns="http://www.w3.org/2000/svg"
    >
      <title id={`${p.id}-t`}>{p.title}</title>
      <desc id={`${p.id}-d`}>{p.desc}</desc>
      {p.children}
    </svg>
  );
}

const round = (n: number) => Math.round(n * 10) / 10;

/** The scores taken on one date, one spoke per domain. */
export function Radar(p: { series: Series; date: string; id: string; title: string; desc: string }) {
  const size = 300;
  const c = size / 2;
  const R = 110;
  const n = p.series.domains.length;
  const at = (i: number, score: number) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
    return [round(c + Math.cos(a) * (R * score) / 5), round(c + Math.sin(a) * (R * score) / 5)] as const;
  };
  const ring = (s: number) =>
    p.series.domains.map((_, i) => at(i, s).join(",")).join(" ");
  const points = p.series.domains
    .map((d, i) => ({ d, i, e: d.byDate.get(p.date) }))
    .filter((x) => x.e !== undefined);
  return (
    <Svg id={p.id} title={p.title} desc={p.desc} w={size} h={size}>
      {[1, 2, 3, 4, 5].map((s) => (
        <polygon key={s} points={ring(s)} fill="none" stroke={GRID} stroke-width={s === 5 ? 1.5 : 0.75} />
      ))}
      {p.series.domains.map((d, i) => {
        const [x, y] = at(i, 5);
        const [lx, ly] = at(i, 5.75);
        return (
          <g key={d.domain.id}>
            <line x1={c} y1={c} x2={x} y2={y} stroke={GRID} stroke-width={0.75} />
            <text x={lx} y={ly} font-size="11" text-anchor="middle" dominant-baseline="middle" fill="#000">
              {i + 1}
            </text>
          </g>
        );
      })}
      {points.length > 1 && (
        <polygon
          points={points.map((x) => at(x.i, x.e!.score).join(",")).join(" ")}
          fill={INK}
          fill-opacity={0.15}
          stroke={INK}
          stroke-width={2}
        />
      )}
      {points.map((x) => {
        const [cx, cy] = at(x.i, x.e!.score);
        return (
          <circle
            key={x.d.domain.id}
            cx={cx}
            cy={cy}
            r={4}
            fill={INK}
            data-domain={x.d.domain.id}
            data-date={p.date}
            data-score={x.e!.score}
          />
        );
      })}
    </Svg>
  );
}

/** One domain's scores over every moment (oldest left). */
export function Line(p: { series: Series; domain: string; id: string; title: string; desc: string }) {
  const w = 300;
  const h = 130;
  const left = 24;
  const right = 12;
  const top = 10;
  const bottom = 12;
  const d = p.series.domains.find((x) => x.domain.id === p.domain);
  const moments = p.series.moments;
  const x = (i: number) =>
    round(moments.length === 1 ? (left + w - right) / 2 : left + ((w - left - right) * i) / (moments.length - 1));
  const y = (s: number) => round(top + ((h - top - bottom) * (5 - s)) / 4);
  const points = moments
    .map((date, i) => ({ date, i, e: d?.byDate.get(date) }))
    .filter((q) => q.e !== undefined);
  return (
    <Svg id={p.id} title={p.title} desc={p.desc} w={w} h={h}>
      {[1, 2, 3, 4, 5].map((s) => (
        <g key={s}>
          <line x1={left} y1={y(s)} x2={w - right} y2={y(s)} stroke={GRID} stroke-width={0.75} />
          <text x={left - 8} y={y(s)} font-size="11" text-anchor="end" dominant-baseline="middle" fill="#000">
            {s}
          </text>
        </g>
      ))}
      {points.length > 1 && (
        <polyline
          points={points.map((q) => `${x(q.i)},${y(q.e!.score)}`).join(" ")}
          fill="none"
          stroke={INK}
          stroke-width={2}
        />
      )}
      {points.map((q) => (
        <circle
          key={q.date}
          cx={x(q.i)}
          cy={y(q.e!.score)}
          r={4}
          fill={INK}
          data-domain={p.domain}
          data-date={q.date}
          data-score={q.e!.score}
        />
      ))}
    </Svg>
  );
}
