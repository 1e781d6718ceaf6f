/**
 * The Teams app icons, drawn in code so they can be regenerated without an image editor
 * (`npm run manifest -- --icons`): a blue rounded square with a white key (color.png,
 * 192×192) and the same key in white on transparent (outline.png, 32×32).
 * Shapes are tested per sub-sample (4×4 per pixel) for smooth edges.
 */
import type { RgbaImage } from './png.js';

type Rgba = readonly [number, number, number, number];

const WHITE: Rgba = [255, 255, 255, 255];
const BLUE_TOP: Rgba = [0x23, 0x7b, 0xe0, 255];
const BLUE_BOTTOM: Rgba = [0x0b, 0x4a, 0x9e, 255];
export const ACCENT_COLOR = '#0F5FB3';

/** Is (x, y), in key units (bow on the left, tip on the right, centre at 0,0), inside the key? */
function insideKey(x: number, y: number): boolean {
  const bx = x + 0.27;
  const bow = Math.hypot(bx, y);
  if (bow <= 0.2 && bow >= 0.085) return true;
  if (x >= -0.09 && x <= 0.44 && Math.abs(y) <= 0.055) return true; // shaft
  if (x >= 0.22 && x <= 0.3 && y >= 0 && y <= 0.17) return true; // first tooth
  if (x >= 0.35 && x <= 0.44 && y >= 0 && y <= 0.13) return true; // second tooth
  return false;
}

/** The key, turned 45° (bow top-left), scaled to `scale` pixels per key unit around (cx, cy). */
function keyAt(px: number, py: number, cx: number, cy: number, scale: number): boolean {
  const dx = (px - cx) / scale;
  const dy = (py - cy) / scale;
  const c = Math.SQRT1_2;
  // Rotate by -45°: screen direction (1,1) becomes the key's +x axis.
  return insideKey(dx * c + dy * c, -dx * c + dy * c);
}

function insideRoundedSquare(px: number, py: number, size: number, radius: number): boolean {
  const qx = Math.max(Math.abs(px - size / 2) - (size / 2 - radius), 0);
  const qy = Math.max(Math.abs(py - size / 2) - (size / 2 - radius), 0);
  return Math.hypot(qx, qy) <= radius;
}

function rasterize(size: number, shade: (x: number, y: number) => Rgba | null, samples = 4): RgbaImage {
  const pixels = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const colour = shade(x + (sx + 0.5) / samples, y + (sy + 0.5) / samples);
          if (!colour) continue;
          const alpha = colour[3] / 255;
          r += colour[0] * alpha;
          g += colour[1] * alpha;
          b += colour[2] * alpha;
          a += alpha;
        }
      }
      const i = (y * size + x) * 4;
      if (a > 0) {
        pixels[i] = Math.round(r / a);
        pixels[i + 1] = Math.round(g / a);
        pixels[i + 2] = Math.round(b / a);
      }
      pixels[i + 3] = Math.round((a / (samples * samples)) * 255);
    }
  }
  return { width: size, height: size, pixels };
}

function mix(from: Rgba, to: Rgba, t: number): Rgba {
  const m = (i: 0 | 1 | 2) => Math.round(from[i] + (to[i] - from[i]) * t);
  return [m(0), m(1), m(2), 255];
}

export function drawColorIcon(size = 192): RgbaImage {
  const radius = size * 0.2;
  return rasterize(size, (x, y) => {
    if (!insideRoundedSquare(x, y, size, radius)) return null;
    if (keyAt(x, y, size * 0.5, size * 0.5, size * 0.62)) return WHITE;
    return mix(BLUE_TOP, BLUE_BOTTOM, (x + y) / (2 * size));
  });
}

export function drawOutlineIcon(size = 32): RgbaImage {
  return rasterize(size, (x, y) => (keyAt(x, y, size * 0.5, size * 0.5, size * 0.92) ? WHITE : null));
}
