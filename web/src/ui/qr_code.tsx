// A QR code drawn on the device as SVG (`uqr` encodes; nothing is fetched).
// It carries the same text the page shows beside it, so a person who
// cannot scan loses nothing; screen readers hear its label.

import { encode } from "uqr";

export function QrCode(props: { text: string; label: string; size?: number }) {
  const qr = encode(props.text, { ecc: "M", border: 4 });
  let d = "";
  qr.data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) d += `M${x} ${y}h1v1h-1z`;
    }),
  );
  const px = props.size ?? 200;
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      class="kluis-qr"
      role="img"
      aria-label={props.label}
      viewBox={`0 0 ${qr.size} ${qr.size}`}
      width={px}
      height={px}
      shape-rendering="crispEdges"
      data-testid="qr"
    >
      <rect width={qr.size} height={qr.size} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
