/**
 * SVG to pixels without a browser: sharp rasterises SVG with librsvg, which finds fonts through fontconfig
 * (DejaVu Sans on Debian). Legends and charts are written as SVG text and rendered here, 1 SVG unit = 1 pixel.
 */
import sharp from 'sharp';
import type { Image } from '../../datasets/types.js';

/** Font of every label: DejaVu Sans (fontconfig's default sans on Debian), else the system's sans-serif. */
export const FONT_FAMILY = 'DejaVu Sans, sans-serif';

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text made safe to place inside an SVG element or attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]);
}

/** An `<svg>` document of the given size on a white background, around `body`. */
export function svgDocument(width: number, height: number, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="${FONT_FAMILY}">\n<rect width="100%" height="100%" fill="#ffffff"/>\n${body}\n</svg>\n`
  );
}

/** Rasterise an SVG document to an 8-bit RGB PNG. */
export async function svgToPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).png().toBuffer();
}

/** Rasterise an SVG document to a uint8 RGB image. */
export async function svgToImage(svg: string): Promise<Image> {
  const { data, info } = await sharp(Buffer.from(svg))
    .flatten({ background: '#ffffff' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
  return { data: pixels, height: info.height, width: info.width, channels: info.channels };
}
