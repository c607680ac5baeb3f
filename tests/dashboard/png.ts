/**
 * A tiny PNG encoder for seeded screenshots: a sketch of a web page (header, text lines, a button)
 * with the broken element outlined in red, so the dashboard shows something recognisable.
 */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

type Rgb = [number, number, number];
interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
  fill?: Rgb;
  stroke?: Rgb;
}

export function encodePng(width: number, height: number, rects: Rect[], background: Rgb = [255, 255, 255]): Buffer {
  const px = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) px.set(background, i * 3);
  const set = (x: number, y: number, c: Rgb) => {
    if (x >= 0 && y >= 0 && x < width && y < height) px.set(c, (y * width + x) * 3);
  };
  for (const r of rects) {
    for (let y = r.y; y < r.y + r.h; y++) {
      for (let x = r.x; x < r.x + r.w; x++) {
        const edge = y - r.y < 3 || r.y + r.h - y <= 3 || x - r.x < 3 || r.x + r.w - x <= 3;
        if (r.stroke && edge) set(x, y, r.stroke);
        else if (r.fill) set(x, y, r.fill);
      }
    }
  }
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0;
    px.copy(raw, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** A page sketch at a viewport-ish size with the faulty element outlined. */
export function pageSketch(viewport: 'desktop' | 'tablet' | 'mobile', seed = 0): Buffer {
  const [w, h] = viewport === 'desktop' ? [720, 450] : viewport === 'tablet' ? [410, 590] : [195, 422];
  const grey: Rgb = [229, 229, 227];
  const rects: Rect[] = [
    { x: 0, y: 0, w, h: Math.round(h * 0.1), fill: [26, 26, 26] },
    { x: Math.round(w * 0.06), y: Math.round(h * 0.16), w: Math.round(w * 0.5), h: Math.round(h * 0.05), fill: [107, 107, 107] },
  ];
  for (let i = 0; i < 5; i++) rects.push({ x: Math.round(w * 0.06), y: Math.round(h * (0.26 + i * 0.07)), w: Math.round(w * (0.85 - ((i + seed) % 3) * 0.15)), h: Math.round(h * 0.03), fill: grey });
  rects.push({ x: Math.round(w * 0.06), y: Math.round(h * 0.68), w: Math.round(w * 0.4), h: Math.round(h * 0.08), fill: [37, 99, 235] });
  rects.push({ x: Math.round(w * 0.04), y: Math.round(h * 0.66), w: Math.round(w * 0.44), h: Math.round(h * 0.12), stroke: [220, 38, 38] });
  return encodePng(w, h, rects, [250, 250, 249]);
}
