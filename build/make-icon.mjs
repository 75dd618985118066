// Draws build/icon.png (512x512, RGBA) with Node's zlib only: a rounded blue tile with three rising
// bars and a trend dot — the console's "usage going up" mark. Run: node build/make-icon.mjs
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const SIZE = 512;
const SAMPLES = 4; // 4x4 supersampling for smooth edges

const inRoundedRect = (x, y, x0, y0, x1, y1, r) => {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const bars = [
  [120, 300, 180, 400],
  [226, 230, 286, 400],
  [332, 160, 392, 400],
];
const inMark = (x, y) =>
  bars.some(([x0, y0, x1, y1]) => inRoundedRect(x, y, x0, y0, x1, y1, 14)) || (x - 362) ** 2 + (y - 104) ** 2 <= 30 ** 2;

const rows = [];
for (let py = 0; py < SIZE; py++) {
  const row = Buffer.alloc(1 + SIZE * 4); // filter byte 0 (none) + RGBA pixels
  for (let px = 0; px < SIZE; px++) {
    let tile = 0;
    let mark = 0;
    for (let sy = 0; sy < SAMPLES; sy++) {
      for (let sx = 0; sx < SAMPLES; sx++) {
        const x = px + (sx + 0.5) / SAMPLES;
        const y = py + (sy + 0.5) / SAMPLES;
        if (inRoundedRect(x, y, 16, 16, SIZE - 16, SIZE - 16, 96)) {
          tile++;
          if (inMark(x, y)) mark++;
        }
      }
    }
    const n = SAMPLES * SAMPLES;
    const t = py / SIZE; // vertical gradient from #1565c0 to #0d47a1
    const bg = [0x15 + (0x0d - 0x15) * t, 0x65 + (0x47 - 0x65) * t, 0xc0 + (0xa1 - 0xc0) * t];
    const m = tile ? mark / tile : 0;
    const o = 1 + px * 4;
    for (let c = 0; c < 3; c++) row[o + c] = Math.round(bg[c] * (1 - m) + 255 * m);
    row[o + 3] = Math.round((255 * tile) / n);
  }
  rows.push(row);
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};
const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bit depth
header[9] = 6; // colour type RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(join(dirname(fileURLToPath(import.meta.url)), 'icon.png'), png);
